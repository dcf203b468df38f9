import Foundation
import Kernels

/// The frame every HTML report shares: head with the inlined stylesheet and a content security policy
/// that forbids loading anything, the report's header, its sections, and the table-sorting script.
enum HTMLPage {
    /// The stylesheet compiled in from `reports/report.css`.
    static let stylesheetPath = "reports/report.css"

    /// A policy that blocks every network load, form, frame and plugin, and lets the browser apply only
    /// the exact stylesheet and run only the exact script written here (by their SHA-256 hashes): even
    /// markup that slipped past escaping could neither load nor run anything.
    static func contentSecurityPolicy(style: String, script: String) -> String {
        "default-src 'none'; style-src '\(hashSource(style))'; script-src '\(hashSource(script))'; "
            + "form-action 'none'; base-uri 'none'"
    }

    /// A CSP hash source (`sha256-` and the base64 of the digest) for an inline element's text.
    static func hashSource(_ text: String) -> String {
        "sha256-" + Data(SHA256.hash(Data(text.utf8))).base64EncodedString()
    }

    /// The text of the `style` element: the stylesheet after a line break.
    static func styleText(_ css: String) -> String { "\n" + css }

    /// Writes a complete page: `body` writes the sections inside `main`.
    static func write(_ header: ReportHeader, kind: String, to html: HTMLWriter,
                      body: () throws -> Void) throws {
        guard let css = EmbeddedResources.text(stylesheetPath) else {
            throw ReportError.missingResource(stylesheetPath)
        }
        try html.doctype()
        try html.element("html", [HTMLAttribute("lang", "en")]) {
            try html.element("head") {
                try html.void("meta", [HTMLAttribute("charset", "utf-8")])
                try html.void("meta", [HTMLAttribute("http-equiv", "Content-Security-Policy"),
                                       HTMLAttribute("content", contentSecurityPolicy(style: styleText(css),
                                                                                       script: sortScript))])
                try html.void("meta", [HTMLAttribute("name", "viewport"),
                                       HTMLAttribute("content", "width=device-width, initial-scale=1")])
                try html.void("meta", [HTMLAttribute("name", "referrer"), HTMLAttribute("content", "no-referrer")])
                try html.void("meta", [HTMLAttribute("name", "generator"), HTMLAttribute("content", header.generator)])
                try html.element("title", text: header.title)
                try html.trustedStyle(css, name: stylesheetPath)
            }
            try html.newline()
            try html.element("body", [HTMLAttribute("class", "report-\(kind)")]) {
                try writeHeader(header, to: html)
                try html.element("main", [], body)
                try html.element("footer") {
                    try html.text("Written by \(header.generator). Every text from prompts, models and raters is "
                        + "shown as text; this file loads nothing and runs only its table-sorting script.")
                }
                try html.trustedScript(sortScript, name: "table sorting script")
            }
        }
        try html.newline()
        try html.flush()
    }

    private static func writeHeader(_ header: ReportHeader, to html: HTMLWriter) throws {
        try html.element("header", [HTMLAttribute("class", "report")]) {
            try html.element("h1", text: header.title)
            try html.element("dl") {
                try html.element("dt", text: "Generated")
                try html.element("dd", text: displayDateTime(header.generatedAt))
                try html.element("dt", text: "Workspace")
                try html.element("dd") { try html.element("bdi", text: header.workspace) }
                for filter in header.filters {
                    try html.element("dt", text: "Filter")
                    try html.element("dd") {
                        try html.element("bdi", text: filter.name)
                        try html.text(" = ")
                        try html.element("bdi", text: filter.value)
                    }
                }
            }
            if !header.notes.isEmpty {
                try html.element("ul", [HTMLAttribute("class", "notes")]) {
                    for note in header.notes { try html.element("li", text: note) }
                }
            }
        }
        try html.newline()
    }

    /// Sorts a `table.sortable` by the clicked column: numerically by `data-sort` where cells carry it,
    /// otherwise by text. Without scripts the table shows every row in the report's order.
    static let sortScript = """

    (function () {
      "use strict";
      function key(cell) {
        if (!cell) return "";
        var raw = cell.getAttribute("data-sort");
        if (raw !== null && raw !== "") { var n = parseFloat(raw); if (!isNaN(n)) return n; }
        return cell.textContent.trim().toLowerCase();
      }
      function compare(a, b) {
        if (typeof a === "number" && typeof b === "number") return a - b;
        if (typeof a === "number") return -1;
        if (typeof b === "number") return 1;
        return a === b ? 0 : (a > b ? 1 : -1);
      }
      Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
        var head = table.tHead;
        if (!head || !head.rows.length || !table.tBodies.length) return;
        var cells = head.rows[0].cells;
        Array.prototype.forEach.call(cells, function (th, column) {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "sort";
          while (th.firstChild) button.appendChild(th.firstChild);
          th.appendChild(button);
          button.addEventListener("click", function () {
            var body = table.tBodies[0];
            var ascending = th.getAttribute("aria-sort") !== "ascending";
            Array.prototype.forEach.call(cells, function (c) { c.removeAttribute("aria-sort"); });
            th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
            var rows = Array.prototype.slice.call(body.rows);
            rows.sort(function (r1, r2) {
              var d = compare(key(r1.cells[column]), key(r2.cells[column]));
              return ascending ? d : -d;
            });
            rows.forEach(function (r) { body.appendChild(r); });
          });
        });
      });
    })();

    """
}
