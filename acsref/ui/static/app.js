// dmforge ACS web UI: the model checks of inline edits (the server checks
// again with model.CheckValue before queuing the task) and select-all.
"use strict";

function inRanges(v, ranges) {
  if (!ranges) return true;
  let n;
  try { n = BigInt(v); } catch (e) { return false; }
  return ranges.split(",").some(function (r) {
    const [lo, hi] = r.split(":");
    return (lo === "" || n >= BigInt(lo)) && (hi === "" || n <= BigInt(hi));
  });
}

function inSizes(v, sizes) {
  if (!sizes) return true;
  const len = new TextEncoder().encode(v).length;
  return sizes.split(",").some(function (r) {
    const [lo, hi] = r.split(":");
    return (lo === "" || len >= Number(lo)) && (hi === "" || len <= Number(hi));
  });
}

// checkItem returns what is wrong with one value, or "".
function checkItem(v, d) {
  const enums = JSON.parse(d.enums || "null");
  switch (d.type) {
    case "int": case "long":
      if (!/^-?[0-9]+$/.test(v)) return "not an integer";
      if (!inRanges(v, d.ranges)) return "out of range [" + d.ranges.split(",").join("] [") + "]";
      break;
    case "unsignedInt": case "unsignedLong":
      if (!/^[0-9]+$/.test(v)) return "not an unsigned integer";
      if (!inRanges(v, d.ranges)) return "out of range [" + d.ranges.split(",").join("] [") + "]";
      break;
    case "boolean":
      if (!/^(0|1|true|false)$/.test(v)) return "not a boolean (0, 1, true or false)";
      break;
    case "string": case "":
      if (!inSizes(v, d.sizes)) return "size outside [" + d.sizes.split(",").join("] [") + "]";
      break;
  }
  if (enums && enums.length && enums.indexOf(v) < 0) return "not one of the enumeration";
  return "";
}

function check(input) {
  const d = input.dataset;
  const v = input.value;
  let problem = "";
  if (d.list === "true") {
    if (v !== "") {
      const items = v.split(",");
      for (let i = 0; i < items.length && !problem; i++) {
        const p = checkItem(items[i].trim(), d);
        if (p) problem = "list item " + (i + 1) + ": " + p;
      }
    }
  } else {
    problem = checkItem(v, d);
  }
  const out = input.form.querySelector(".check");
  const button = input.form.querySelector("button");
  if (problem) {
    out.textContent = JSON.stringify(v) + ": " + problem + " — the model says " + d.facets;
    out.className = "check bad";
  } else {
    out.textContent = "";
    out.className = "check";
  }
  input.setCustomValidity(problem);
  button.disabled = problem !== "";
  return problem === "";
}

document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("form.edit input[name=value]").forEach(function (input) {
    input.addEventListener("input", function () { check(input); });
    input.form.addEventListener("submit", function (ev) {
      if (!check(input)) ev.preventDefault();
    });
  });
  const all = document.getElementById("select-all");
  if (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll("input.sel").forEach(function (c) { c.checked = all.checked; });
    });
  }
});
