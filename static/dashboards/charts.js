// Draws every <div data-chart="ID"> with plotly.js, from the JSON in <script type="application/json" id="ID">
// (Django's json_script). See templates/dashboards/partials/_chart.html and dashboards/charts.py.
//
// The CSP allows no inline script or style. plotly.js, as it loads, would inject its own rules in a
// <style> element, which `style-src 'self'` blocks (and then it cannot lay out its hover labels). So
// before plotly.js is loaded, this file adds static/vendor/plotly/plotly.css (the same rules, as a file)
// with id="plotly.js-style-global" and class="no-inline-styles": plotly.js then finds its stylesheet
// present and injects nothing. Everything else plotly.js styles goes through the CSSOM
// (element.style.x = ...), which CSP does not govern, and the cartesian bundle has no WebGL traces, so
// script-src needs no 'unsafe-eval' either. The CSP stays as it is.
//
// plotly.js (1.4 MB) is fetched only on pages that have a chart, once.

let plotly = null

function loadPlotly (element) {
  if (window.Plotly) return Promise.resolve(window.Plotly)
  if (plotly) return plotly
  plotly = new Promise((resolve, reject) => {
    if (!document.getElementById('plotly.js-style-global')) {
      const link = document.createElement('link')
      link.rel = 'stylesheet'
      link.id = 'plotly.js-style-global'
      link.className = 'no-inline-styles'
      link.href = element.dataset.plotlyCss
      document.head.appendChild(link)
    }
    const script = document.createElement('script')
    script.src = element.dataset.plotlySrc
    script.onload = () => resolve(window.Plotly)
    script.onerror = () => {
      plotly = null
      reject(new Error('plotly.js did not load'))
    }
    document.head.appendChild(script)
  })
  return plotly
}

async function draw (element) {
  if (element.dataset.chartDrawn) return
  element.dataset.chartDrawn = 'pending'
  const source = document.getElementById(element.dataset.chart)
  if (!source) return
  try {
    const { data, layout, config } = JSON.parse(source.textContent)
    const Plotly = await loadPlotly(element)
    element.hidden = false
    await Plotly.newPlot(element, data, layout, config)
    element.dataset.chartDrawn = 'true'
    // The chart is drawn: fold the data table away (it starts open for people without JavaScript).
    const table = element.closest('.app-chart')?.querySelector('details.app-chart__data')
    if (table) table.open = false
  } catch (error) {
    // The table stays open: it holds the same data.
    element.hidden = true
    element.dataset.chartDrawn = 'failed'
    console.error(error)
  }
}

function drawAll (scope) {
  scope.querySelectorAll('[data-chart]').forEach(draw)
}

drawAll(document)
document.addEventListener('htmx:load', (event) => {
  if (event.target instanceof Element) drawAll(event.target.parentElement || event.target)
})
