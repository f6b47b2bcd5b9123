/* Checkout: the server priced this page; POST /api/v1/orders prices it again for real. */
(function () {
  "use strict";
  const { api, toast, payOrder } = window.Micromall;
  const button = document.getElementById("submit-order");

  button.addEventListener("click", async () => {
    const address = document.querySelector("[data-address-id]");
    if (!address) return toast("请先添加收货地址");
    const body = { address_id: Number(address.dataset.addressId), note: document.getElementById("note").value.trim() };
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
