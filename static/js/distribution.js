/* Sharer center: apply, withdraw (yuan typed, fen sent), copy the share link. */
(function () {
  "use strict";
  const { api, toast, yuan } = window.Micromall;

  const apply = document.querySelector("[data-apply]");
  if (apply) {
    apply.addEventListener("click", async () => {
      apply.disabled = true;
      try {
        const me = await api("POST", "/api/v1/distribution/apply");
        toast(me.is_distributor ? "你已成为分销员" : "申请已提交，等待审核");
        setTimeout(() => location.reload(), 800);
      } catch (e) {
        toast(e.detail);
        apply.disabled = false;
      }
    });
  }

  const form = document.getElementById("withdraw-form");
  if (form) {
    const available = Number(form.dataset.available);
    form.querySelector("[data-all]").addEventListener("click", () => (form.elements.amount.value = yuan(available)));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const match = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(form.elements.amount.value);
      if (!match) return toast("请输入提现金额，最多两位小数");
      const amount = Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        await api("POST", "/api/v1/distribution/withdrawals", { amount_fen: amount, channel: form.elements.channel.value });
        toast("提现申请已提交");
        setTimeout(() => location.reload(), 800);
      } catch (e) {
        toast(e.detail);
        button.disabled = false;
      }
    });
  }

  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      const input = document.getElementById(button.dataset.copy);
      try {
        await navigator.clipboard.writeText(input.value);
      } catch (e) {
        input.select();
        document.execCommand("copy");
      }
      toast("链接已复制");
    });
  });
})();
