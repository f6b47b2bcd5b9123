/* 领券中心: claim a coupon through the API; the card then says it is taken. */
(function () {
  "use strict";
  const { api, toast } = window.Micromall;

  function stamp(button, text) {
    const mark = document.createElement("span");
    mark.className = "coupon-stamp";
    mark.textContent = text;
    button.replaceWith(mark);
  }

  document.querySelectorAll("[data-claim]").forEach((button) => {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await api("POST", `/api/v1/coupon-templates/${button.dataset.claim}/claim`);
      } catch (e) {
        toast(e.detail);
        if (e.code === "claim_limit_reached") stamp(button, "已领取");
        else if (e.code === "sold_out") stamp(button, "已抢光");
        else button.disabled = false;
        return;
      }
      toast("领取成功，结算时可用");
      const left = button.closest("[data-coupon-card]").querySelector("[data-left]");
      if (left) left.textContent = Math.max(0, Number(left.textContent) - 1);
      if (button.dataset.mineLeft) {  // what my limits still allow
        const mine = Number(button.dataset.mineLeft) - 1;
        if (mine <= 0) return stamp(button, "已领取");
        button.dataset.mineLeft = mine;
      }
      button.textContent = "再领一张";
      button.disabled = false;
    });
  });
})();
