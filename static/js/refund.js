/* After-sales request: amount typed in yuan, sent in fen. */
(function () {
  "use strict";
  const { api, toast } = window.Micromall;
  const form = document.getElementById("refund-form");

  function toFen(text) {
    const match = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
    return match ? Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0")) : null;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const amount = toFen(form.elements.amount.value);
    const max = Number(form.dataset.max);
    if (!amount || amount > max) return toast(`请输入 0.01 到 ${(max / 100).toFixed(2)} 之间的金额`);
    const detail = form.elements.detail.value.trim();
    const reason = form.elements.reason.value + (detail ? `：${detail}` : "");
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await api("POST", `/api/v1/orders/${form.dataset.number}/refunds`, { reason, amount_fen: amount });
      location.replace(`/orders/${form.dataset.number}/`);
    } catch (e) {
      toast(e.detail);
      button.disabled = false;
    }
  });
})();
