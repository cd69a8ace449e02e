// Insight Hub front-end entry point, loaded as <script type="module"> from templates/base.html.
//
// 1. Marks <body> as "js-enabled nhsuk-frontend-supported". NHS.UK frontend v10 expects an inline
//    <script> at the top of <body> to do this; our CSP forbids inline scripts, so it is done here.
//    Only browsers that run ES modules get here, which is the same test the inline script makes
//    ('noModule' in HTMLScriptElement.prototype).
// 2. Initialises every NHS.UK component (data-module="nhsuk-...") on the page.
// 3. Initialises the components in content that htmx swaps in later.
import { initAll } from '../vendor/nhsuk-frontend/nhsuk-frontend.min.js'

document.body.classList.add('js-enabled', 'nhsuk-frontend-supported')

// A component that is already initialised throws InitError when asked again; that is expected when
// re-scanning part of the page after a swap, so it is not worth a console message.
function onError (error) {
  if (error && error.name === 'InitError') return
  console.error(error)
}

initAll({ onError })

// htmx fires htmx:load on each element it adds (and once on <body> at start-up, already handled above).
// Components are looked up with querySelectorAll, which skips the scope element itself, so scan from
// the parent: that also catches a swapped-in root like <div data-module="nhsuk-error-summary">.
document.addEventListener('htmx:load', (event) => {
  const element = event.target
  if (!(element instanceof Element) || element === document.body) return
  initAll({ scope: element.parentElement || element, onError })
})

// A page with an error summary has "Error: " before its title (templates/base.html), so that a screen
// reader says so first. A swap can bring a summary in or take it away (components/filter_swap.html): keep
// the title in step. Only form error summaries count (data-module), not a failed import's or report's box.
document.addEventListener('htmx:afterSettle', () => {
  const plain = document.title.replace(/^Error: /, '')
  const errors = document.querySelector('main [data-module="nhsuk-error-summary"]') !== null
  document.title = errors ? `Error: ${plain}` : plain
})
