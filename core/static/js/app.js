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
  function toast(texts, kind) {
    var box = document.getElementById("flash");
    if (!box) { if (kind === "error") { window.alert(texts.join("\n")); } return; }
    box.textContent = "";
    texts.forEach(function (text) {
      var div = document.createElement("div");
      div.className = "toast toast-" + kind;
      if (kind === "error") { div.setAttribute("role", "alert"); }
      div.textContent = text;
      box.appendChild(div);
    });
    box.scrollIntoView({ block: "nearest" });
  }
  function show(text) { toast([text], "error"); }
  // "已保存" after an htmx action that swapped only a fragment: the server sends it in HX-Trigger
  // (core/ui/render.py toast_header); a whole page draws it into #flash itself.
  document.addEventListener("jiceng:toast", function (evt) {
    var messages = (evt.detail && evt.detail.messages) || [];
    if (messages.length) { toast(messages, "success"); }
  });
  document.addEventListener("htmx:responseError", function (evt) {
    var xhr = evt.detail.xhr, m = MESSAGES[lang()];
    // An inert document: nothing in it loads or runs.
    var doc = new DOMParser().parseFromString(xhr.responseText || "", "text/html");
    var toast = doc.querySelector(".toast");
    show(toast ? toast.textContent : (m[xhr.status] || m[500]));
  });
  document.addEventListener("htmx:sendError", function (evt) {
    if (saveDraft(evt.detail.elt)) { return; }
    show(MESSAGES[lang()].network);
  });

  // Offline drafts: a form marked data-offline-draft="key" that cannot reach the server is kept in this
  // browser with the time the device captured it; its bar ([data-draft-bar=form id]) sends it later.
  var pending = {};  // form id -> id of the draft being sent through that form
  function draftKey(form) { return "jiceng.drafts:" + form.getAttribute("data-offline-draft"); }
  function readDrafts(form) {
    try { return JSON.parse(window.localStorage.getItem(draftKey(form)) || "[]"); } catch (e) { return []; }
  }
  function writeDrafts(form, drafts) { window.localStorage.setItem(draftKey(form), JSON.stringify(drafts)); }
  function draftForm(elt) {
    return elt && elt.matches && elt.matches("form[data-offline-draft]") && elt.id ? elt : null;
  }
  function saveDraft(elt) {
    var form = draftForm(elt);
    if (!form) { return false; }
    var fields = [], captured = new Date().toISOString(), drafts = readDrafts(form);
    new FormData(form).forEach(function (value, name) {
      if (name === "csrf_token") { return; }
      if (name === "device_captured_at") { if (value) { captured = value; } return; }
      if (typeof value === "string") { fields.push([name, value]); }
    });
    var id = pending[form.id] || String(Date.now()) + Math.random().toString(16).slice(2, 6);
    drafts = drafts.filter(function (d) { return d.id !== id; });
    var title = (form.elements.title && form.elements.title.value) || "";
    drafts.push({ id: id, captured_at: captured, title: title, fields: fields });
    writeDrafts(form, drafts);
    delete pending[form.id];
    form.reset();
    if (form.elements.device_captured_at) { form.elements.device_captured_at.value = ""; }
    renderDrafts(form, true);
    return true;
  }
  function fillForm(form, draft) {
    form.reset();
    draft.fields.forEach(function (pair) {
      var field = form.elements[pair[0]];
      if (field) { field.value = pair[1]; }
    });
    if (form.elements.device_captured_at) { form.elements.device_captured_at.value = draft.captured_at; }
  }
  function renderDrafts(form, justSaved) {
    var bar = document.querySelector("[data-draft-bar='" + form.id + "']");
    if (!bar) { return; }
    var drafts = readDrafts(form), list = bar.querySelector("[data-draft-list]");
    var item = bar.querySelector("template[data-draft-item]");
    bar.hidden = drafts.length === 0;
    bar.querySelector("[data-draft-count]").textContent = String(drafts.length);
    bar.querySelector("[data-draft-offline]").hidden = navigator.onLine;
    if (justSaved !== undefined) { bar.querySelector("[data-draft-saved]").hidden = !justSaved; }
    list.textContent = "";
    drafts.forEach(function (draft) {
      var li = item.content.firstElementChild.cloneNode(true);
      li.querySelector("[data-draft-title]").textContent = draft.title;
      var when = li.querySelector("[data-draft-time]");
      when.dateTime = draft.captured_at;
      when.textContent = new Date(draft.captured_at).toLocaleString("zh-CN", { timeZone: "Asia/Shanghai", hour12: false });
      var send = li.querySelector("[data-draft-submit]");
      send.disabled = !navigator.onLine;
      send.addEventListener("click", function () {
        fillForm(form, draft);
        pending[form.id] = draft.id;
        form.requestSubmit();
      });
      li.querySelector("[data-draft-discard]").addEventListener("click", function () {
        writeDrafts(form, readDrafts(form).filter(function (d) { return d.id !== draft.id; }));
        renderDrafts(form);
      });
      list.appendChild(li);
    });
  }
  function renderAll() {
    document.querySelectorAll("form[data-offline-draft]").forEach(function (form) { if (form.id) { renderDrafts(form); } });
  }
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var elt = evt.detail.elt;
    if (draftForm(elt) && !(elt.elements.device_captured_at && elt.elements.device_captured_at.value)) {
      delete pending[elt.id];  // a fresh report, not a draft being sent
    }
    if (navigator.onLine) { return; }
    if (draftForm(elt)) {
      evt.preventDefault();  // no network: keep it here instead of losing it
      saveDraft(elt);
    } else if (elt.closest && elt.closest("form[data-offline-draft]")) {
      evt.preventDefault();  // helpers inside the form (duplicate candidates) wait for the network
    }
  });
  // beforeSwap, not afterRequest: the form is still in the page, so the event reaches the document
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var form = draftForm(evt.detail.requestConfig && evt.detail.requestConfig.elt), xhr = evt.detail.xhr;
    if (!form || !pending[form.id] || !xhr || xhr.status === 0) { return; }
    if (xhr.status >= 200 && xhr.status < 300) {  // the server has it now (a 422 keeps it for fixing)
      var id = pending[form.id];
      writeDrafts(form, readDrafts(form).filter(function (d) { return d.id !== id; }));
      delete pending[form.id];
    }
  });
  document.addEventListener("DOMContentLoaded", renderAll);
  document.addEventListener("htmx:afterSettle", renderAll);
  window.addEventListener("online", renderAll);
  window.addEventListener("offline", renderAll);
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
  // A printable page (台账, reports) offers a button marked data-print: no inline script under the CSP.
  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("[data-print]")) { window.print(); }
  });
})();
