// ddq's small enhancements. Everything works without them: the server enforces skip logic and saves drafts.
(function () {
  "use strict";

  // --- skip logic: the same tree the server evaluates (ddq.core.conditions.Condition.as_data) ---
  function isNone(v) { return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0); }
  function num(v) { return typeof v === "number" ? v : (typeof v === "string" && v.trim() !== "" && !isNaN(Number(v)) ? Number(v) : null); }
  function comparable(a, b) {
    if (typeof a === "boolean" || typeof b === "boolean") return [a, b];
    if (typeof a === "number" && typeof b === "string") return [a, num(b)];
    if (typeof b === "number" && typeof a === "string") return [num(a), b];
    return [a, b];
  }
  function truthy(v) {
    if (typeof v === "string") return ["yes", "true"].indexOf(v.toLowerCase()) >= 0;
    return !!v;
  }
  function evaluate(node, values) {
    switch (node[0]) {
      case "lit": return node[1];
      case "name": return isNone(values[node[1]]) ? null : values[node[1]];
      case "answered": return !isNone(values[node[1]]);
      case "selected": {
        var v = values[node[1]];
        return Array.isArray(v) ? v.indexOf(node[2]) >= 0 : (!isNone(v) && String(v) === node[2]);
      }
      case "count": { var c = values[node[1]]; return Array.isArray(c) ? c.length : (isNone(c) ? 0 : 1); }
      case "cmp": {
        var pair = comparable(evaluate(node[2], values), evaluate(node[3], values)), a = pair[0], b = pair[1], op = node[1];
        if (a === null || b === null) return op === "!=";
        if (typeof a !== typeof b) return op === "!=";
        if (op === "=" || op === "==") return a === b;
        if (op === "!=") return a !== b;
        if (op === "<") return a < b; if (op === "<=") return a <= b;
        if (op === ">") return a > b; return a >= b;
      }
      case "in": {
        var value = evaluate(node[1], values);
        if (value === null) return false;
        var found = node[2].some(function (o) { var p = comparable(value, o); return p[0] === p[1]; });
        return found !== node[3];
      }
      case "not": return !truthy(evaluate(node[1], values));
      case "and": return node.slice(1).every(function (n) { return truthy(evaluate(n, values)); });
      case "or": return node.slice(1).some(function (n) { return truthy(evaluate(n, values)); });
    }
    return false;
  }
  function liveValues(form) {
    var values = JSON.parse(form.getAttribute("data-values") || "{}");
    form.querySelectorAll("[data-question]").forEach(function (wrap) {
      var id = wrap.getAttribute("data-question"), na = form.querySelector("#na_" + id);
      var inputs = wrap.querySelectorAll("[name='q_" + id + "']");
      if (!inputs.length) return;
      var value = null;
      if (inputs[0].type === "radio") { inputs.forEach(function (i) { if (i.checked) value = i.value; }); }
      else if (inputs[0].type === "checkbox") { value = []; inputs.forEach(function (i) { if (i.checked) value.push(i.value); }); }
      else { value = inputs[0].value.trim(); }
      if (/^\d+$/.test(value) && wrap.querySelector("input[type=radio]")) value = Number(value);  // maturity levels
      values[id] = (na && na.checked) ? null : value;
    });
    return values;
  }
  function applySkipLogic(form) {
    var values = liveValues(form);
    form.querySelectorAll("[data-show-if]").forEach(function (wrap) {
      wrap.hidden = !truthy(evaluate(JSON.parse(wrap.getAttribute("data-show-if")), values));
    });
  }

  // --- active time: seconds with input or focus in the last 30 s, page visible ---
  function trackActiveTime(form) {
    var field = form.querySelector(".active-seconds"), last = 0, seconds = 0;
    ["input", "change", "keydown", "click", "focusin", "scroll"].forEach(function (event) {
      form.addEventListener(event, function () { last = Date.now(); }, true);
    });
    setInterval(function () {
      if (document.visibilityState === "visible" && Date.now() - last < 30000) { seconds += 1; field.value = seconds; }
    }, 1000);
  }

  // --- never lose typing: warn before leaving with unsaved changes ---
  function guardUnsaved(form) {
    var dirty = false;
    form.addEventListener("input", function () { dirty = true; });
    form.addEventListener("change", function () { dirty = true; });
    form.addEventListener("submit", function () { dirty = false; });
    window.addEventListener("beforeunload", function (event) { if (dirty) { event.preventDefault(); event.returnValue = ""; } });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.section-form").forEach(function (form) {
      form.addEventListener("change", function () { applySkipLogic(form); });
      form.addEventListener("input", function () { applySkipLogic(form); });
      applySkipLogic(form);
      trackActiveTime(form);
      guardUnsaved(form);
    });
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
