/* holdfast shell: live updates over server-sent events, plus a few progressive enhancements.
 *
 * The server streams outbox events (`stats:changed`, `booking:updated`, ...) from the URL in
 * <body data-live-url>. Each one is re-dispatched on <body> as a DOM event `hf:stats-changed`,
 * `hf:booking-updated`, ... so HTMX widgets declared with
 * hx-trigger="hf:stats-changed from:body" refetch themselves. No live URL, or a 404: do nothing.
 */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // EventSource has no wildcard listener: these are the outbox event types in use (extend with
  // <body data-live-events="a:b c:d"> for new ones).
  var KNOWN_EVENTS = [
    "apartments.addon:created", "apartments.addon:updated", "apartments.apartment:added", "apartments.apartment:removed", "apartments.apartment:updated",
    "apartments.booking:approve", "apartments.booking:assigned", "apartments.booking:change_order", "apartments.booking:configured", "apartments.booking:confirm", "apartments.booking:created",
    "apartments.booking:paid", "apartments.booking:reject", "apartments.booking:repriced", "apartments.booking:send_back", "apartments.booking:start_review",
    "apartments.category:created", "apartments.package:created", "apartments.package:updated", "apartments.project:created", "apartments.project:updated",
    "invoice:rejected", "invoice_item:updated", "feedback:created", "staff:updated", "time_off:updated", "recurring:booked", "payment:failed",
    "storage.booking:cancel", "storage.booking:confirm", "storage.booking:expire", "storage.booking:extended", "storage.booking:hold", "storage.company:created", "storage.company:updated",
    "storage.facility:created", "storage.facility:updated", "storage.feature:created", "storage.receipt:recorded", "storage.slots:changed",
    "availability:changed", "booking:created", "booking:deleted", "booking:updated", "client:created",
    "client:updated", "credit_note:created", "estate.booking:approve", "estate.booking:cancel", "estate.booking:complete", "estate.booking:expire", "estate.booking:hold_requested", "estate.booking:reject",
    "estate.lead:created", "estate.lead:updated", "estate.project:created", "estate.project:updated",
    "estate.review:moderated", "estate.review:written", "estate.unit:created", "estate.unit:updated",
    "folio:invoiced", "folio:posted", "guest:created", "guest:updated", "hold:converted", "hold:expired",
    "hold:extended", "hold:moved", "hold:placed", "hold:released", "invoice:created", "invoice:issued",
    "invoice:overdue", "invoice:paid", "invoice:sent", "invoice:uncollectible", "invoice:updated",
    "invoice:voided", "invoice_item:created", "invoice_item:voided", "ledger:closed", "ledger:money_applied", "ledger:posted",
    "ledger:reopened", "member:created", "member:updated", "notification:created", "payment:allocated",
    "payment:expected", "payment:flagged", "payment:received", "payment:recorded", "payment:refunded",
    "payment:voided", "price:locked", "price:updated", "price_rule:created", "price_rule:updated",
    "property:created", "property:updated", "rate_plan:created", "rate_plan:updated", "reminder:failed",
    "reminder:scheduled", "reminder:sent", "reservation:created", "reservation:updated", "resource:created", "resource:updated",
    "role:created", "role:updated", "room:created", "room:status_changed", "room:updated",
    "room_type:created", "room_type:updated", "service:updated", "site:created", "site:updated",
    "stats:changed", "tax_rule:created", "tax_rule:updated", "tenant:created", "tenant:deleted",
    "tenant:updated", "webhook:created", "webhook:deleted", "webhook:test", "webhook:updated"
  ];
  var MAX_DELAY = 30000;

  function domName(eventType) {
    return "hf:" + String(eventType).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  }

  function dispatch(eventType, data) {
    var detail = data;
    try { detail = JSON.parse(data); } catch (e) { /* plain text payload */ }
    document.body.dispatchEvent(new CustomEvent(domName(eventType), { bubbles: true, detail: detail }));
    document.body.dispatchEvent(new CustomEvent("hf:event", { bubbles: true, detail: { type: eventType, data: detail } }));
  }

  function startLive(body) {
    var url = body.getAttribute("data-live-url");
    if (!url || typeof window.EventSource !== "function") return;
    var extra = (body.getAttribute("data-live-events") || "").split(/[\s,]+/).filter(Boolean);
    var names = KNOWN_EVENTS.concat(extra);
    var delay = 1000;
    var lastId = null;
    var stopped = false;
    var source = null;

    function connect() {
      if (stopped) return;
      var target = url;
      // A fresh EventSource forgets Last-Event-ID: pass the cursor so no event is missed.
      if (lastId) target += (url.indexOf("?") < 0 ? "?" : "&") + "after=" + encodeURIComponent(lastId);
      source = new EventSource(target, { withCredentials: true });
      source.onopen = function () { delay = 1000; };
      var handler = function (ev) {
        if (ev.lastEventId) lastId = ev.lastEventId;
        dispatch(ev.type, ev.data);
      };
      names.forEach(function (name) { source.addEventListener(name, handler); });
      source.onmessage = function (ev) {
        // Unnamed messages may carry their type in the JSON body.
        if (ev.lastEventId) lastId = ev.lastEventId;
        try {
          var body = JSON.parse(ev.data);
          var type = body.type || body.event_type || body.event;
          if (type) dispatch(type, ev.data);
        } catch (e) { /* keep-alive or non-JSON: ignore */ }
      };
      source.onerror = function () {
        if (source.readyState !== EventSource.CLOSED) return; // the browser is already retrying
        source.close();
        probeThenRetry();
      };
    }

    function probeThenRetry() {
      // A closed stream is either a missing endpoint (stop for good) or a hiccup (retry with back-off).
      var controller = typeof AbortController === "function" ? new AbortController() : null;
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/event-stream" }, signal: controller && controller.signal })
        .then(function (response) {
          if (controller) controller.abort();
          if (response.status === 404 || response.status === 401 || response.status === 403 || response.status === 405) {
            stopped = true;
            return;
          }
          schedule();
        })
        .catch(function () { schedule(); });
    }

    function schedule() {
      if (stopped) return;
      var wait = delay + Math.floor(Math.random() * 500);
      delay = Math.min(MAX_DELAY, delay * 2);
      window.setTimeout(connect, wait);
    }

    window.addEventListener("pagehide", function () { stopped = true; if (source) source.close(); });
    connect();
  }

  function enhance(root) {
    root.querySelectorAll("form[data-confirm]").forEach(function (form) {
      if (form.dataset.hfBound) return;
      form.dataset.hfBound = "1";
      form.addEventListener("submit", function (ev) {
        if (!window.confirm(form.getAttribute("data-confirm"))) ev.preventDefault();
      });
    });
    root.querySelectorAll("form[data-autosubmit] select").forEach(function (select) {
      if (select.dataset.hfBound) return;
      select.dataset.hfBound = "1";
      select.addEventListener("change", function () { select.form.requestSubmit ? select.form.requestSubmit() : select.form.submit(); });
    });
    root.querySelectorAll("[data-copy]").forEach(function (button) {
      if (button.dataset.hfBound) return;
      button.dataset.hfBound = "1";
      button.addEventListener("click", function () {
        var field = document.querySelector(button.getAttribute("data-copy"));
        if (!field) return;
        field.select();
        var done = function () { button.textContent = "Copied"; };
        if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
        else { document.execCommand("copy"); done(); }
      });
    });
    root.querySelectorAll("[data-select-on-focus]").forEach(function (field) {
      field.addEventListener("focus", function () { field.select(); });
    });
    scrollRegions();
  }

  // A card or table wrapper that scrolls sideways (wide tables on a phone) must be reachable by
  // keyboard to be scrolled (WCAG 2.1.1): give it a tab stop while, and only while, it overflows
  // and has nothing focusable inside.
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  function scrollRegions() {
    document.querySelectorAll(".card, .table-wrap, .scroll-x").forEach(function (box) {
      var overflows = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      var style = getComputedStyle(box);
      var scrolls = overflows && /auto|scroll/.test(style.overflowX + style.overflowY);
      if (scrolls && !box.querySelector(FOCUSABLE)) {
        if (!box.hasAttribute("tabindex")) { box.setAttribute("tabindex", "0"); box.dataset.hfScroll = "1"; }
      } else if (box.dataset.hfScroll) {
        box.removeAttribute("tabindex"); delete box.dataset.hfScroll;
      }
    });
  }
  window.addEventListener("resize", scrollRegions);

  window.holdfast = { domName: domName, dispatch: dispatch };

  document.addEventListener("DOMContentLoaded", function () {
    enhance(document);
    document.body.addEventListener("htmx:afterSettle", function (ev) { enhance(ev.target); });
    startLive(document.body);
  });
})();
