/* Checkout: the server priced this page; POST /api/v1/orders prices it again for real. */
(function () {
  "use strict";
  const { api, toast, payOrder, yuan } = window.Micromall;
  const button = document.getElementById("submit-order");
  const useBalance = document.getElementById("use-balance");

  // What WeChat Pay will collect: the total less the balance, when the shopper uses it.
  function showPay() {
    if (!useBalance) return;
    const due = Number(useBalance.dataset.due), balance = Number(useBalance.dataset.balance);
    const pay = useBalance.checked ? Math.max(0, due - balance) : due;
    document.querySelectorAll("[data-pay]").forEach((el) => { el.textContent = yuan(pay); });
  }
  if (useBalance) {
    useBalance.addEventListener("change", showPay);
    showPay();
  }

  button.addEventListener("click", async () => {
    const address = document.querySelector("[data-address-id]");
    if (!address) return toast("请先添加收货地址");
    const body = {
      address_id: Number(address.dataset.addressId),
      note: document.getElementById("note").value.trim(),
      use_balance: Boolean(useBalance && useBalance.checked),
    };
    if (button.dataset.fromCart) {
      body.from_cart = true;
    } else {
      body.lines = [...document.querySelectorAll("[data-line]")].map((line) => ({
        sku_id: Number(line.dataset.sku), quantity: Number(line.dataset.qty),
      }));
    }
    button.disabled = true;
    let order;
    try {
      order = await api("POST", "/api/v1/orders", body);
    } catch (e) {
      toast(e.detail);
      button.disabled = false;
      return;
    }
    // The order exists now; if paying cannot start here, its page offers to pay later.
    history.replaceState(null, "", `/orders/${order.number}/`);
    try {
      if (order.status === "pending_payment") await payOrder(order.number);
      else location.replace(`/orders/${order.number}/`);
    } catch (e) {
      location.replace(`/orders/${order.number}/`);
    }
  });
})();
