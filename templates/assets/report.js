/* Severity filters and search over the findings; works from a file, no server, no network.
   The page is complete without it: the filter bar stays hidden when scripts do not run. */
(function () {
  "use strict";
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

  // What a search matches: the finding's own text and the sentences common to its group.
  var texts = findings.map(function (el) {
    var group = el.closest(".finding-group");
    var common = group ? group.querySelector(".group-head") : null;
    return ((common ? common.textContent : "") + " " + el.textContent).toLowerCase();
  });

  function apply() {
    var allowed = {};
    boxes.forEach(function (box) { allowed[box.value] = box.checked; });
    var terms = search.value.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
    var shown = 0;
    findings.forEach(function (el, i) {
      var visible = allowed[el.getAttribute("data-severity")] === true &&
        (waived.checked || el.getAttribute("data-status") !== "waived") &&
        terms.every(function (t) { return texts[i].indexOf(t) !== -1; });
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
