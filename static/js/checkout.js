/* Checkout: the server priced this page (and chose the best coupon); POST /api/v1/orders
   prices it again for real. */
(function () {
  "use strict";
  const { api, toast, payOrder, yuan } = window.Micromall;
  const button = document.getElementById("submit-order");
  const useBalance = document.getElementById("use-balance");
  const coupon = document.getElementById("coupon");
  const sum = document.getElementById("checkout-sum");

  // What WeChat Pay will collect: goods and shipping, less the chosen coupon, less the
  // balance when the shopper uses it (the balance pays what is left after the coupon).
  function chosenDiscount() {
    if (!coupon) return 0;
    return Number(coupon.selectedOptions[0].dataset.discount) || 0;
  }
  function showPay() {
    const discount = chosenDiscount();
    const due = Number(sum.dataset.due) - discount;
    const balance = useBalance && useBalance.checked ? Number(useBalance.dataset.balance) : 0;
    const pay = Math.max(0, due - balance);
    document.querySelectorAll("[data-pay]").forEach((el) => { el.textContent = yuan(pay); });
    document.querySelectorAll("[data-discount-yuan]").forEach((el) => { el.textContent = yuan(discount); });
    document.querySelectorAll("[data-discount-row]").forEach((el) => el.classList.toggle("hidden", !discount));
  }
  if (useBalance) useBalance.addEventListener("change", showPay);
  if (coupon) coupon.addEventListener("change", showPay);
  showPay();

  button.addEventListener("click", async () => {
    const address = document.querySelector("[data-address-id]");
    if (!address) return toast("请先添加收货地址");
    const body = {
      address_id: Number(address.dataset.addressId),
      note: document.getElementById("note").value.trim(),
      use_balance: Boolean(useBalance && useBalance.checked),
    };
    if (coupon && coupon.value) body.coupon_id = Number(coupon.value);
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
    // Some of the cart's lines were ordered as lines: they leave the cart now. One that
    // fails to go stays in the cart, which costs the shopper nothing.
    const ordered = button.dataset.cartItems ? button.dataset.cartItems.split(",") : [];
    await Promise.allSettled(ordered.map((id) => api("DELETE", `/api/v1/cart/items/${id}`)));
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
