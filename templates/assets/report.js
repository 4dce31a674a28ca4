/* Severity filters and search over the findings; works from a file, no server, no network.
   The page is complete without it: the filter bar stays hidden when scripts do not run. */
(function () {
  "use strict";
  // A table or picture wider than the window scrolls sideways in its frame: the frame takes
  // the keyboard focus so that it can be scrolled without a mouse, and is named after what
  // it holds for screen readers (WCAG 2.1.1; issue 18).
  Array.prototype.slice.call(document.querySelectorAll(".scroll-x, .graph-frame")).forEach(
    function (frame) {
      var figure = frame.closest("figure");
      var named = figure ? figure.querySelector("figcaption") : frame.querySelector("caption");
      var head = frame.querySelector("thead");
      var name = named ? named.textContent : head ? "Table: " + head.textContent : "Table";
      frame.setAttribute("tabindex", "0");
      frame.setAttribute("role", "region");
      frame.setAttribute("aria-label", name.replace(/\s+/g, " ").trim());
    }
  );

  var bar = document.getElementById("filters");
  if (!bar) { return; }
  var findings = Array.prototype.slice.call(document.querySelectorAll("article.finding"));
  var groups = Array.prototype.slice.call(document.querySelectorAll(".finding-group"));
  var blocks = Array.prototype.slice.call(document.querySelectorAll(".severity-block"));
  var boxes = Array.prototype.slice.call(bar.querySelectorAll("input[data-filter-severity]"));
  var waived = document.getElementById("filter-waived");
  var search = document.getElementById("finding-search");
  var status = document.getElementById("filter-status");
  var reset = document.getElementById("filter-reset");

  // What a search matches: the finding's own text (not the sentences common to its group,
  // which would make every finding of a group match a word of the rule's description),
  // reduced to its words: lower case, every run of other characters one space.
  function words(text) {
    return " " + text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, " ").trim() + " ";
  }
  // Text nodes are joined with a space: textContent would glue a field's label to its value
  // ("Law" + "US CLOUD Act" as "LawUS CLOUD Act") and break whole-word matching.
  function ownText(el) {
    var walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    var parts = [];
    while (walker.nextNode()) { parts.push(walker.currentNode.nodeValue); }
    return parts.join(" ");
  }
  var texts = findings.map(function (el) { return words(ownText(el)); });

  // The query as terms, each a run of whole words that must stand together in the text:
  // a "quoted phrase", a word, or a word joined by punctuation (us-cloud-act). Unquoted
  // words are all required (AND); when together they form a phrase the report contains
  // ("CLOUD Act"), they are taken as that phrase, not as words found anywhere.
  function terms(query) {
    var found = [];
    var loose = [];
    query.replace(/"([^"]*)"?|(\S+)/g, function (match, quoted, word) {
      var term = words(quoted !== undefined ? quoted : word);
      if (term.trim() === "") { return match; }
      if (quoted !== undefined) { found.push(term); } else { loose.push(term); }
      return match;
    });
    if (loose.length > 1) {
      var phrase = words(loose.join(" "));
      if (texts.some(function (text) { return text.indexOf(phrase) !== -1; })) {
        loose = [phrase];
      }
    }
    return found.concat(loose);
  }

  function apply() {
    var allowed = {};
    boxes.forEach(function (box) { allowed[box.value] = box.checked; });
    var required = terms(search.value);
    var shown = 0;
    findings.forEach(function (el, i) {
      var visible = allowed[el.getAttribute("data-severity")] === true &&
        (waived.checked || el.getAttribute("data-status") !== "waived") &&
        required.every(function (t) { return texts[i].indexOf(t) !== -1; });
      el.hidden = !visible;
      if (visible) { shown += 1; }
    });
    groups.forEach(function (group) {
      group.hidden = group.querySelector("article.finding:not([hidden])") === null;
    });
    blocks.forEach(function (block) {
      block.hidden = block.querySelector(".finding-group:not([hidden])") === null;
    });
    status.textContent = shown + " of " + findings.length + " findings shown";
  }

  boxes.forEach(function (box) { box.addEventListener("change", apply); });
  waived.addEventListener("change", apply);
  search.addEventListener("input", apply);
  reset.addEventListener("click", function () {
    boxes.forEach(function (box) { box.checked = true; });
    waived.checked = true;
    search.value = "";
    apply();
  });
  bar.hidden = false;
  apply();
}());
