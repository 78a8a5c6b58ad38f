// Jiceng browser glue: no inline scripts, no eval. Errors from htmx requests become visible messages.
(function () {
  "use strict";
  var MESSAGES = {
    zh: { csrf: "页面已过期，请刷新", 401: "登录已过期，请重新登录", 403: "没有权限执行此操作", 404: "内容不存在或无权访问",
          409: "数据已被他人修改，请刷新后重试", 413: "上传的文件太大", 429: "操作过于频繁，请稍后再试", 500: "系统出错了，请稍后再试",
          network: "网络连接失败，请检查网络后重试" },
    en: { csrf: "This page has expired, please reload", 401: "Your sign-in has expired", 403: "You are not allowed to do this",
          404: "Not found, or not yours to see", 409: "Someone else changed this; reload and try again", 413: "The file is too large",
          429: "Too many attempts, please wait", 500: "Something went wrong, please try again", network: "Network error, please retry" }
  };
  function lang() { return document.documentElement.lang === "en" ? "en" : "zh"; }
  function show(text) {
    var box = document.getElementById("flash");
    if (!box) { window.alert(text); return; }
    box.textContent = "";
    var div = document.createElement("div");
    div.className = "toast toast-error";
    div.setAttribute("role", "alert");
    div.textContent = text;
    box.appendChild(div);
    box.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr, m = MESSAGES[lang()];
    // An inert document: nothing in it loads or runs.
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var toast = doc.querySelector(".toast");
    show(toast ? toast.textContent : (m[xhr.status] || m[500]));
  });
  document.addEventListener("htmx:sendError", function () { show(MESSAGES[lang()].network); });
  // "Use my location": fill the point fields of a report form; without geolocation the button stays hidden.
  function initLocate(root) {
    if (!navigator.geolocation) { return; }
    root.querySelectorAll("[data-locate]").forEach(function (btn) { btn.hidden = false; });
  }
  document.addEventListener("click", function (evt) {
    var btn = evt.target.closest && evt.target.closest("[data-locate]");
    if (!btn || !navigator.geolocation) { return; }
    var ids = btn.getAttribute("data-locate").split(" "), status = document.querySelector(btn.getAttribute("data-status"));
    var lat = document.querySelector(ids[0]), lng = document.querySelector(ids[1]);
    function say(key) { if (status) { status.textContent = btn.getAttribute(key); } }
    say("data-busy");
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lng.value = pos.coords.longitude.toFixed(6);
      say("data-done");
      lat.dispatchEvent(new Event("change", { bubbles: true }));
    }, function () { say("data-failed"); }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  document.addEventListener("DOMContentLoaded", function () { initLocate(document); });
  document.addEventListener("htmx:load", function (evt) { initLocate(evt.detail.elt); });
  document.addEventListener("htmx:afterSwap", function (evt) {
    var el = evt.detail.elt;
    if (el && el.getAttribute && el.getAttribute("aria-busy") === "true") { el.removeAttribute("aria-busy"); }
  });
})();
