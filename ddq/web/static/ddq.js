// ddq's small enhancements. Everything works without them: the server enforces skip logic and saves drafts.
(function () {
  "use strict";

  // --- skip logic: the same tree the server evaluates (ddq.core.conditions.Condition.as_data), with the same
  // rules (documented there and in docs/definitions.md); tests/e2e/test_condition_parity.py keeps the two equal.
  var NUMERIC_TEXT = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
  // the characters Python's str.strip() removes, which the server applies to every typed answer
  var SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var EDGES = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");
  function strip(text) { return text.replace(EDGES, ""); }
  function isNone(v) { return v === null || v === undefined || v === "" || (Array.isArray(v) && v.length === 0); }
  function answer(values, id) {
    var v = Object.prototype.hasOwnProperty.call(values, id) ? values[id] : null;
    return isNone(v) ? null : v;
  }
  function kind(v) {
    if (typeof v === "boolean" || typeof v === "number") return typeof v;
    if (typeof v === "string") return "text";
    return Array.isArray(v) ? "list" : "other";
  }
  function textNumber(text) { return NUMERIC_TEXT.test(text) ? Number(text) : null; }
  function comparable(a, b) {  // both values as one kind, or null when their kinds differ
    var ka = kind(a), kb = kind(b), n;
    if (ka === "number" && kb === "text") { n = textNumber(b); return n === null ? null : [a, n]; }
    if (ka === "text" && kb === "number") { n = textNumber(a); return n === null ? null : [n, b]; }
    return ka !== kb || ka === "other" ? null : [a, b];
  }
  function order(a, b) {  // -1, 0 or 1; texts by code point, as Python orders them
    if (typeof a !== "string") return a < b ? -1 : (a > b ? 1 : 0);
    var i = 0, j = 0;
    while (i < a.length && j < b.length) {
      var x = a.codePointAt(i), y = b.codePointAt(j);
      if (x !== y) return x < y ? -1 : 1;
      i += x > 0xffff ? 2 : 1; j += y > 0xffff ? 2 : 1;
    }
    return i < a.length ? 1 : (j < b.length ? -1 : 0);
  }
  function equal(a, b) {
    if (!Array.isArray(a)) return a === b;
    return a.length === b.length && a.every(function (item, k) { return item === b[k]; });
  }
  function compare(op, left, right) {
    var pair = left === null || right === null ? null : comparable(left, right);
    if (op === "=" || op === "==") return pair !== null && equal(pair[0], pair[1]);
    if (op === "!=") return pair === null || !equal(pair[0], pair[1]);
    if (pair === null || Array.isArray(pair[0])) return false;
    var c = order(pair[0], pair[1]);
    return op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === ">" ? c > 0 : c >= 0;
  }
  function truthy(v) {
    if (typeof v === "string") return ["yes", "true"].indexOf(v.toLowerCase()) >= 0;
    if (Array.isArray(v)) return v.length > 0;
    return !!v;
  }
  function evaluate(node, values) {
    switch (node[0]) {
      case "lit": return node[1];
      case "name": return answer(values, node[1]);
      case "answered": return answer(values, node[1]) !== null;
      case "selected": {
        var v = answer(values, node[1]);
        return Array.isArray(v) ? v.indexOf(node[2]) >= 0 : compare("=", v, node[2]);
      }
      case "count": { var c = answer(values, node[1]); return Array.isArray(c) ? c.length : (c === null ? 0 : 1); }
      case "cmp": return compare(node[1], evaluate(node[2], values), evaluate(node[3], values));
      case "in": {
        var value = evaluate(node[1], values);
        if (value === null) return false;
        var found = node[2].some(function (o) { return compare("=", value, o); });
        return found !== node[3];
      }
      case "not": return !truthy(evaluate(node[1], values));
      case "and": return node.slice(1).every(function (n) { return truthy(evaluate(n, values)); });
      case "or": return node.slice(1).some(function (n) { return truthy(evaluate(n, values)); });
    }
    return false;
  }
  function shows(tree, values) { return truthy(evaluate(tree, values)); }
  // a typed number as the server reads it (ddq.core.questions.parse_number), or null when it would refuse it
  function typedNumber(text) {
    var t = strip(strip(text).replace(/%+$/, "").replace(/[, _]/g, ""));
    if (t.length > 40 || !NUMERIC_TEXT.test(t)) return null;
    var n = Number(t);
    return n !== 0 && !(Math.abs(n) >= 1e-15 && Math.abs(n) < 1e16) ? null : n;
  }
  function liveValues(form) {
    var values = JSON.parse(form.getAttribute("data-values") || "{}");
    form.querySelectorAll("[data-question]").forEach(function (wrap) {
      var id = wrap.getAttribute("data-question"), na = form.querySelector("#na_" + id);
      var inputs = wrap.querySelectorAll("[name='q_" + id + "']");
      if (!inputs.length) return;
      var value = null;
      if (inputs[0].type === "radio") {
        inputs.forEach(function (i) { if (i.checked) value = i.hasAttribute("data-number") ? Number(i.value) : i.value; });
      } else if (inputs[0].type === "checkbox") {
        value = []; inputs.forEach(function (i) { if (i.checked) value.push(i.value); });
      } else if (inputs[0].getAttribute("inputmode") === "decimal") {
        value = typedNumber(inputs[0].value);
      } else { value = strip(inputs[0].value); }
      values[id] = (na && na.checked) ? null : value;
    });
    return values;
  }
  function applySkipLogic(form) {
    var values = liveValues(form);
    form.querySelectorAll("[data-show-if]").forEach(function (wrap) {
      wrap.hidden = !shows(JSON.parse(wrap.getAttribute("data-show-if")), values);
    });
  }
  window.ddqConditions = { evaluate: evaluate, shows: shows, liveValues: liveValues };

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
