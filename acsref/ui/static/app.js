// dmforge ACS web UI: the model checks of inline edits (the server checks
// again with model.CheckValue before queuing the task), select-all, and
// the bulk form's campaign fields shown only for that action.
"use strict";

// The rules below mirror model.CheckValue (model/check.go), the one
// place of the TR-106 value rules: same order, same messages, same rule
// names. The server checks again before it queues the task.

function fmtBounds(lo, hi) {
  return "[" + (lo === "" ? "-∞" : lo) + ":" + (hi === "" ? "∞" : hi) + "]";
}

// rangeList is the server's text of the ranges: [lo:hi] step s or ...
function rangeList(ranges) {
  return ranges.split(",").map(function (r) {
    const [lo, hi, step] = r.split(":");
    return fmtBounds(lo, hi) + (step && step !== "1" ? " step " + step : "");
  }).join(" or ");
}

// inRanges: n (a BigInt) is inside some range and on its step.
function inRanges(n, ranges) {
  if (!ranges) return true;
  return ranges.split(",").some(function (r) {
    const [lo, hi, step] = r.split(":");
    if (lo !== "" && n < BigInt(lo)) return false;
    if (hi !== "" && n > BigInt(hi)) return false;
    if (step && BigInt(step) > 1n && (n - (lo === "" ? 0n : BigInt(lo))) % BigInt(step) !== 0n) return false;
    return true;
  });
}

// sizeProblem checks a length (characters of a string, bytes of binary)
// against the size facets.
function sizeProblem(n, sizes, unit) {
  if (!sizes) return null;
  const ok = sizes.split(",").some(function (r) {
    const [lo, hi] = r.split(":");
    return (lo === "" || n >= Number(lo)) && (hi === "" || n <= Number(hi));
  });
  if (ok) return null;
  return ["size", "length " + n + " " + unit + " is outside " + sizes.split(",").map(function (r) {
    const [lo, hi] = r.split(":");
    return fmtBounds(lo, hi);
  }).join(" or ")];
}

const intBits = { int: [32, true], long: [64, true], unsignedInt: [32, false], unsignedLong: [64, false] };

function intProblem(v, d) {
  const [bits, signed] = intBits[d.type];
  const re = signed ? /^[+-]?[0-9]+$/ : /^\+?[0-9]+$/;
  if (!re.test(v)) return ["type", "not a valid " + d.type];
  const n = BigInt(v.replace(/^\+/, ""));
  const lo = signed ? -(1n << BigInt(bits - 1)) : 0n;
  const hi = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
  if (n < lo || n > hi) return ["type", "out of the " + d.type + " value space"];
  if (!inRanges(n, d.ranges)) return ["range", "outside the range " + rangeList(d.ranges)];
  return null;
}

function daysIn(y, m) {
  if (m === 2) return (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].indexOf(m) >= 0 ? 30 : 31;
}

// dateTimeProblem is checkDateTime: YYYY-MM-DDThh:mm:ss, optional
// fraction, optional Z or ±hh:mm.
function dateTimeProblem(v) {
  if (v.length < 19) return "too short for YYYY-MM-DDThh:mm:ss";
  if (!/^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}/.test(v)) return "expected YYYY-MM-DDThh:mm:ss";
  const num = function (a, b) { return parseInt(v.substring(a, b), 10); };
  const y = num(0, 4), mo = num(5, 7), d = num(8, 10), h = num(11, 13), mi = num(14, 16), s = num(17, 19);
  if (y === 0) return "year 0000 does not exist";
  if (mo < 1 || mo > 12) return "month out of range";
  if (d < 1 || d > daysIn(y, mo)) return "day out of range";
  if (h > 24 || mi > 59 || s > 60 || (h === 24 && (mi !== 0 || s !== 0))) return "time of day out of range";
  let rest = v.substring(19);
  if (rest.startsWith(".")) {
    const m = /^\.([0-9]*)/.exec(rest);
    if (m[1] === "") return "empty fraction of a second";
    rest = rest.substring(m[0].length);
  }
  if (rest === "" || rest === "Z") return "";
  const z = /^[+-]([0-9]{2}):([0-9]{2})$/.exec(rest);
  if (z) return (parseInt(z[1], 10) > 14 || parseInt(z[2], 10) > 59) ? "time zone offset out of range" : "";
  return "bad time zone (Z or ±hh:mm)";
}

// base64Len is the decoded length of a padded base64 value, or -1.
function base64Len(v) {
  v = v.replace(/[ \t\r\n]/g, "");
  if (v === "") return 0;
  if (v.length % 4 !== 0) return -1;
  const pad = v.endsWith("==") ? 2 : v.endsWith("=") ? 1 : 0;
  if (!/^[A-Za-z0-9+/]*$/.test(v.substring(0, v.length - pad))) return -1;
  return v.length / 4 * 3 - pad;
}

// decimalParts is a decimal's sign, integer and fraction digits (as
// splitDecimal), for exact comparisons.
function decimalParts(v) {
  v = v.trim();
  let neg = false;
  if (v[0] === "-" || v[0] === "+") { neg = v[0] === "-"; v = v.substring(1); }
  let [ip, fp] = v.split(".");
  ip = (ip || "").replace(/^0+/, "");
  fp = (fp || "").replace(/0+$/, "");
  if (ip === "" && fp === "") neg = false;
  return [neg, ip, fp];
}

// compareDecimal is CompareDecimal: -1, 0 or +1, exactly.
function compareDecimal(a, b) {
  const [an, ai, af] = decimalParts(a), [bn, bi, bf] = decimalParts(b);
  if (an !== bn) return an ? -1 : 1;
  let c = ai.length !== bi.length ? (ai.length < bi.length ? -1 : 1) : (ai < bi ? -1 : ai > bi ? 1 : (af < bf ? -1 : af > bf ? 1 : 0));
  return an ? -c : c;
}

// scaled is a decimal times 10^scale as a BigInt.
function scaled(v, scale) {
  const [neg, ip, fp] = decimalParts(v);
  const n = BigInt((ip || "0") + fp.padEnd(scale, "0"));
  return neg ? -n : n;
}

// decimalInRanges is checkRanges of a decimal: inside some range and on
// its step (counted from its minimum, or 0).
function decimalInRanges(v, ranges) {
  if (!ranges) return true;
  return ranges.split(",").some(function (r) {
    const [lo, hi, step] = r.split(":");
    if (lo !== "" && compareDecimal(v, lo) < 0) return false;
    if (hi !== "" && compareDecimal(v, hi) > 0) return false;
    if (step && compareDecimal(step, "0") > 0) {
      const scale = Math.max(...[v, lo || "0", step].map(function (x) { return decimalParts(x)[2].length; }));
      if ((scaled(v, scale) - scaled(lo || "0", scale)) % scaled(step, scale) !== 0n) return false;
    }
    return true;
  });
}

function decimalOK(v) {
  return /^[+-]?[0-9]*\.?[0-9]*$/.test(v) && /[0-9]/.test(v);
}

// patternList is the server's text of the patterns.
function patternList(ps) {
  let out = "";
  for (let i = 0; i < ps.length; i++) {
    if (i > 0) out += " | ";
    const t = ps[i].text;
    out += t === "" ? '""' : ([...t].length > 48 ? [...t].slice(0, 48).join("") + "…" : t);
    if (out.length > 160) { out += " …"; break; }
  }
  return out;
}

// compilePattern reads the anchored RE2 text the server uses: with
// Unicode classes (flag u) when it can, else without; null if neither.
function compilePattern(re) {
  for (const flags of ["u", ""]) {
    try { return new RegExp(re, flags); } catch (e) { /* next */ }
  }
  return null;
}

// checkItem returns [rule, message] of what is wrong with one value, or
// null.
function checkItem(v, d) {
  let p = null;
  switch (d.type) {
    case "string": case "":
      p = sizeProblem([...v].length, d.sizes, "characters");
      break;
    case "boolean":
      if (!/^(0|1|true|false)$/.test(v)) p = ["type", "not a boolean (0, 1, true or false)"];
      break;
    case "int": case "long": case "unsignedInt": case "unsignedLong":
      p = intProblem(v, d);
      break;
    case "decimal":
      if (!decimalOK(v)) p = ["type", "not a decimal"];
      else if (!decimalInRanges(v, d.ranges)) p = ["range", "outside the range " + rangeList(d.ranges)];
      break;
    case "dateTime": {
      const m = dateTimeProblem(v);
      if (m) p = ["type", "not a TR-106 dateTime: " + m];
      break;
    }
    case "base64": {
      const n = base64Len(v);
      p = n < 0 ? ["type", "not valid base64"] : sizeProblem(n, d.sizes, "bytes");
      break;
    }
    case "hexBinary":
      p = (v.length % 2 !== 0 || !/^[0-9A-Fa-f]*$/.test(v)) ? ["type", "not valid hexBinary (even number of hex digits)"] : sizeProblem(v.length / 2, d.sizes, "bytes");
      break;
  }
  if (p) return p;
  const enums = JSON.parse(d.enums || "null");
  if (enums && enums.length && enums.indexOf(v) < 0) return ["enumeration", "not one of the enumeration values (" + enums.join(", ") + ")"];
  const pats = JSON.parse(d.patterns || "null");
  if (pats && pats.length) {
    const res = pats.map(function (q) { return compilePattern(q.re); });
    if (res.every(function (re) { return re !== null; }) && !res.some(function (re) { return re.test(v); })) {
      return ["pattern", "matches none of the patterns (" + patternList(pats) + ")"];
    }
  }
  return null;
}

// checkValue is CheckValue: a list's items one by one, else the value;
// [rule, message] or null. d is the input's dataset.
function checkValue(v, d) {
  if (d.list !== "true") return checkItem(v, d);
  if (d.listSize) {
    const p = sizeProblem([...v].length, d.listSize, "characters");
    if (p) return ["list", "list " + p[1]];
  }
  let n = 0;
  if (v !== "") {
    const items = v.split(",");
    for (let i = 0; i < items.length; i++) {
      const p = checkItem(items[i].trim(), d);
      if (p) return [p[0], "list item " + (i + 1) + ": " + p[1]];
    }
    n = items.length;
  }
  if (d.minItems && n < Number(d.minItems)) return ["list", "has " + n + " items, fewer than minItems " + d.minItems];
  if (d.maxItems && n > Number(d.maxItems)) return ["list", "has " + n + " items, more than maxItems " + d.maxItems];
  return null;
}

function check(input) {
  const d = input.dataset;
  const v = input.value;
  const problem = checkValue(v, d);
  const out = input.form.querySelector(".check");
  const button = input.form.querySelector("button");
  if (problem) {
    // As the server's ValueError reads: "value": message [rule].
    out.textContent = JSON.stringify(v) + ": " + problem[1] + " [" + problem[0] + "] — the model says " + d.facets;
    out.className = "check bad";
    out.dataset.rule = problem[0];
  } else {
    out.textContent = "";
    out.className = "check";
    delete out.dataset.rule;
  }
  input.setCustomValidity(problem ? problem[1] : "");
  button.disabled = problem !== null;
  return problem === null;
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.edit input[name=value]").forEach(function (input) {
    input.addEventListener("input", function () { check(input); });
    input.form.addEventListener("submit", function (ev) {
      if (!check(input)) ev.preventDefault();
    });
  });
  const action = document.getElementById("bulk-action");
  const campaign = document.getElementById("bulk-campaign");
  if (action && campaign) {
    const show = function () { campaign.hidden = action.value !== "campaign"; };
    action.addEventListener("change", show);
    show();
  }
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input.sel").forEach(function (c) { c.checked = all.checked; });
    });
  }
});
