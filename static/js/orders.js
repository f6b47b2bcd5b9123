/* Order list and detail: pay, cancel, confirm receipt, and the payment countdown. */
(function () {
  "use strict";
  const { api, toast, payOrder } = window.Micromall;

  document.querySelectorAll("[data-pay-order]").forEach((button) => {
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await payOrder(button.dataset.payOrder);
      } catch (e) {
        toast(e.detail);
      }
      button.disabled = false;
    });
  });

  document.querySelectorAll("[data-confirm-receipt]").forEach((button) => {
    button.addEventListener("click", async () => {
      if (!confirm("确认已经收到商品了吗？")) return;
      button.disabled = true;
      try {
        await api("POST", `/api/v1/orders/${button.dataset.confirmReceipt}/confirm-receipt`);
        toast("已确认收货");
        setTimeout(() => location.reload(), 600);
      } catch (e) {
        toast(e.detail);
        button.disabled = false;
      }
    });
  });

  document.querySelectorAll("[data-cancel-order]").forEach((button) => {
    button.addEventListener("click", async () => {
      if (!confirm("确定取消这个订单吗？")) return;
      button.disabled = true;
      try {
        await api("POST", `/api/v1/orders/${button.dataset.cancelOrder}/cancel`);
        toast("订单已取消");
        setTimeout(() => location.reload(), 600);
      } catch (e) {
        toast(e.detail);
        button.disabled = false;
      }
    });
  });

  document.querySelectorAll("[data-countdown]").forEach((el) => {
    const deadline = new Date(el.dataset.countdown).getTime();
    const openWhenLoaded = deadline > Date.now();
    function tick() {
      const left = Math.max(0, Math.floor((deadline - Date.now()) / 1000));
      el.textContent = `${String(Math.floor(left / 60)).padStart(2, "0")}:${String(left % 60).padStart(2, "0")}`;
      if (left === 0) {
        clearInterval(timer);
        el.closest("p").textContent = "支付时间已过，订单即将自动取消";
        // Reload once, when the window closes while the shopper watches; never in a loop.
        if (openWhenLoaded) setTimeout(() => location.reload(), 90 * 1000);
      }
    }
    const timer = setInterval(tick, 1000);
    tick();
  });
})();
