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
  // Returns a function that starts the count again (after a save in the background has sent it).
  function trackActiveTime(form) {
    var field = form.querySelector(".active-seconds"), last = 0, seconds = 0;
    ["input", "change", "keydown", "click", "focusin", "scroll"].forEach(function (event) {
      form.addEventListener(event, function () { last = Date.now(); }, true);
    });
    setInterval(function () {
      if (document.visibilityState === "visible" && Date.now() - last < 30000) { seconds += 1; field.value = seconds; }
    }, 1000);
    return function () { seconds = 0; field.value = 0; };
  }

  // --- never lose typing: warn before leaving with changes not saved yet ---
  function guardUnsaved(form, state) {
    form.addEventListener("input", function () { state.dirty = true; });
    form.addEventListener("change", function () { state.dirty = true; });
    form.addEventListener("submit", function () { state.dirty = false; state.submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (state.dirty) { event.preventDefault(); event.returnValue = ""; }
    });
  }

  // --- autosave: the form posted in the background a moment after typing stops, with its CSRF token and the
  // version of each answer the page showed, so that the server never overwrites someone else's newer answer.
  // Files go only with the page's own save; a question whose conflict is not resolved yet is left out.
  function autosave(form, state, resetTime) {
    var status = form.querySelector(".autosave-status");
    if (!status || !window.fetch || !window.FormData) return;
    var url = status.getAttribute("data-url"), timer = null, busy = false, again = false;
    function text(name, values) {
      var t = status.getAttribute("data-" + name) || "";
      Object.keys(values || {}).forEach(function (key) { t = t.split("{" + key + "}").join(values[key]); });
      return t;
    }
    function say(kind, message) {
      status.hidden = false;
      status.className = "autosave-status autosave-" + kind;
      status.textContent = message;
    }
    function payload() {
      var data = new FormData(form), keep = [];
      Array.from(data.keys()).forEach(function (key) { if (key.indexOf("file_") === 0) data.delete(key); });
      data.getAll("present").forEach(function (id) {
        var conflict = form.querySelector("#conflict-" + id);
        if (!conflict || conflict.querySelector("input[type=radio]:checked")) keep.push(id);
      });
      data.delete("present");
      keep.forEach(function (id) { data.append("present", id); });
      return data;
    }
    function field(name) { return form.querySelector("input[type=hidden][name='" + name + "']"); }
    function save() {
      if (state.submitting) return;
      if (busy) { again = true; return; }
      if (navigator.onLine === false) { say("offline", text("offline")); return; }
      busy = true; state.pending = false;
      say("saving", text("saving"));
      fetch(url, { method: "POST", body: payload(), credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (response) {
          if (!response.ok || (response.headers.get("Content-Type") || "").indexOf("json") < 0) throw new Error("failed");
          return response.json();
        })
        .then(function (result) {
          Object.keys(result.versions || {}).forEach(function (id) {
            var version = field("version_" + id), base = field("base_" + id);
            if (version) version.value = result.versions[id];
            if (base && result.bases && result.bases[id] !== undefined) base.value = result.bases[id];
          });
          resetTime();
          var time = new Date().toLocaleTimeString(document.documentElement.lang || undefined, { hour: "2-digit", minute: "2-digit" });
          if (result.conflicts && result.conflicts.length) {
            say("conflict", result.conflicts.map(function (c) {
              return text("conflict", { name: c.by || text("someone"), question: c.text });
            }).join(" "));
          } else {
            say("saved", text("saved", { time: time }));
            if (!state.pending) state.dirty = false;
          }
        })
        .catch(function () {
          state.pending = true;
          say(navigator.onLine === false ? "offline" : "failed", text(navigator.onLine === false ? "offline" : "failed"));
        })
        .then(function () {
          busy = false;
          if (again) { again = false; save(); }
        });
    }
    function schedule(event) {
      var target = event.target;
      if (target && (target.type === "file" || (target.name || "").indexOf("resolve_") === 0)) return;
      state.pending = true;
      clearTimeout(timer);
      timer = setTimeout(save, 1500);
    }
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    window.addEventListener("online", function () { if (state.pending) save(); });
    window.addEventListener("offline", function () { if (state.pending) say("offline", text("offline")); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.section-form").forEach(function (form) {
      form.addEventListener("change", function () { applySkipLogic(form); });
      form.addEventListener("input", function () { applySkipLogic(form); });
      applySkipLogic(form);
      var state = { dirty: false, pending: false, submitting: false };
      var resetTime = trackActiveTime(form);
      guardUnsaved(form, state);
      autosave(form, state, resetTime);
    });
    var summary = document.getElementById("error-summary");
    if (summary) summary.focus();
  });
})();
