/* The sales board: drag a booking card onto a column; if one of the card's step forms leads there, it is
   submitted (the server runs the step or answers with a readable refusal). No inline script (CSP). */
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) return;
  var dragged = null;
  board.addEventListener("dragstart", function (ev) {
    var card = ev.target.closest ? ev.target.closest(".apt-card") : null;
    if (!card || card.getAttribute("draggable") !== "true") return;
    dragged = card;
    ev.dataTransfer.effectAllowed = "move";
    ev.dataTransfer.setData("text/plain", card.getAttribute("data-booking"));
  });
  function formFor(column) {
    if (!dragged || !column) return null;
    return dragged.querySelector("form[data-move-to='" + column.getAttribute("data-column") + "']");
  }
  board.addEventListener("dragover", function (ev) {
    var column = ev.target.closest ? ev.target.closest(".apt-col") : null;
    if (formFor(column)) { ev.preventDefault(); column.classList.add("drop-ok"); }
  });
  board.addEventListener("dragleave", function (ev) {
    var column = ev.target.closest ? ev.target.closest(".apt-col") : null;
    if (column) column.classList.remove("drop-ok");
  });
  board.addEventListener("drop", function (ev) {
    var column = ev.target.closest ? ev.target.closest(".apt-col") : null;
    var form = formFor(column);
    if (form) { ev.preventDefault(); form.submit(); }
    dragged = null;
  });
})();
