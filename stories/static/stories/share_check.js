// Keyboard shortcuts for the check queue (templates/stories/share_check.html). Each shortcut presses a link or
// button that is already on the page (data-shortcut="j ArrowRight"), so the page works the same without this
// script. Keys typed into a form field, or with Ctrl / Alt / Meta, are left alone.
const FIELDS = new Set(['INPUT', 'SELECT', 'TEXTAREA'])

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return
  const target = event.target
  if (target instanceof Element && (FIELDS.has(target.tagName) || target.isContentEditable)) return
  for (const element of document.querySelectorAll('[data-shortcut]')) {
    if (element.dataset.shortcut.split(' ').includes(event.key)) {
      event.preventDefault()
      element.click()
      return
    }
  }
})
