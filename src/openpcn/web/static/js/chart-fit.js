/* Fitting a Vega-Lite spec to the width of the slot it is drawn in (charts.js, spec-charts.js).
 * Specs come from the API as they are for a report page (a title on one line, a legend of three
 * columns, PCN names up to 320 px); on a phone the SVG is as wide as its container, and whatever
 * did not fit (the end of the title, a legend column) was cut off. So before drawing: the title
 * and subtitle wrap into lines, legends go below the plot in as many columns as fit, long axis
 * labels are shortened with an ellipsis (the tooltip and the table keep them whole), and a view
 * fills the container's width. An ES module, imported by the two chart scripts. */

var NARROW = 600; // px: below this a legend goes under the plot and axis labels are shortened
var LEGEND_COLUMN = 150; // px a legend column needs: a symbol and a label such as "Network participation"
var LEGEND_CHANNELS = ["color", "fill", "stroke", "shape", "size", "opacity"];

/* Words of text in lines of at most `chars` characters (a longer word keeps its own line). */
function wrap(text, chars) {
  var lines = [];
  var line = "";
  String(text).split(/\s+/).forEach(function (word) {
    if (line && line.length + 1 + word.length > chars) {
      lines.push(line);
      line = word;
    } else {
      line = line ? line + " " + word : word;
    }
  });
  if (line) lines.push(line);
  return lines;
}

/* The characters of a line of text `size` px high that fit `width` px (bold, a generous average). */
function charsIn(width, size, bold) {
  return Math.max(12, Math.floor(width / (size * (bold ? 0.62 : 0.56))));
}

function lines(text) {
  return Array.isArray(text) ? text.join(" ") : text;
}

/* The title object of a spec or panel, its text and subtitle wrapped to `width`. */
function fitTitle(title, config, width) {
  if (title === undefined || title === null) return title;
  var t = typeof title === "object" && !Array.isArray(title) ? Object.assign({}, title) : { text: title };
  var conf = (config && config.title) || {};
  var size = t.fontSize || conf.fontSize || 13;
  t.frame = "bounds"; // placed over the whole chart, axis labels too, not over the plot alone
  if (t.text !== undefined) t.text = wrap(lines(t.text), charsIn(width - 20, size, true));
  if (t.subtitle !== undefined) {
    t.subtitle = wrap(lines(t.subtitle), charsIn(width - 20, t.subtitleFontSize || conf.subtitleFontSize || 10, false));
  }
  return t;
}

/* The y-axis labels of a nominal or ordinal axis no wider than 40% of the width, and a legend
 * under the plot in as many columns as fit beside those labels: a legend under the plot starts
 * where the plot does. */
function fitEncoding(encoding, width) {
  var y = encoding.y;
  var named = y && typeof y === "object" && (y.type === "nominal" || y.type === "ordinal");
  if (named && y.axis !== null) {
    var axis = Object.assign({}, y.axis || {});
    axis.labelLimit = Math.min(axis.labelLimit || 180, Math.round(width * 0.4));
    encoding.y = Object.assign({}, y, { axis: axis });
  }
  var room = Math.round(width * (named ? 0.55 : 0.8));
  LEGEND_CHANNELS.forEach(function (channel) {
    var def = encoding[channel];
    if (!def || typeof def !== "object" || def.legend === null) return;
    var legend = Object.assign({}, def.legend || {});
    legend.orient = "bottom";
    legend.columns = Math.max(1, Math.min(legend.columns || 99, Math.floor(room / LEGEND_COLUMN)));
    legend.labelLimit = Math.min(legend.labelLimit || 160, room - 30);
    encoding[channel] = Object.assign({}, def, { legend: legend });
  });
}

/* Walk a view, its layers and its panels; `width` is what the view may use. */
function fitView(view, config, width, narrow) {
  if (view.title !== undefined) view.title = fitTitle(view.title, config, width);
  if (narrow && view.encoding) fitEncoding(view.encoding, width);
  (view.layer || []).forEach(function (layer) { fitView(layer, config, width, narrow); });
  if (narrow && view.hconcat) { // side by side does not fit a phone: one above the other
    view.vconcat = view.hconcat;
    delete view.hconcat;
  }
  (view.vconcat || view.concat || []).forEach(function (panel) {
    if (typeof panel.width === "number") panel.width = Math.min(panel.width, Math.max(120, width - 80));
    fitView(panel, config, width, narrow);
  });
}

/* A copy of spec fitted to a slot `width` px wide. */
export function fitSpec(spec, width) {
  var fitted = JSON.parse(JSON.stringify(spec));
  if (!width) return fitted;
  var single = !(fitted.vconcat || fitted.hconcat || fitted.concat || fitted.facet || fitted.repeat);
  if (single) fitted.width = "container";
  fitView(fitted, fitted.config, width, width < NARROW);
  return fitted;
}
