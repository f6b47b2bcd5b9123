/* Cart page: drawn from GET /api/v1/cart, changed through the cart item endpoints. */
(function () {
  "use strict";
  const { api, toast, yuan, escapeHtml, setCartBadge } = window.Micromall;
  const list = document.getElementById("cart-items");
  const bar = document.getElementById("cart-bar");

  function itemHtml(item) {
    const spec = Object.values(item.spec).join(" / ");
    const note = item.available ? "" : `<span class="note-off">${item.stock > 0 ? "库存不足，仅剩 " + item.stock + " 件" : "已下架或售罄"}</span>`;
    return `<div class="cart-item${item.available ? "" : " off"}" data-id="${item.id}">
      <a href="/products/${item.product_id}/"><img src="${escapeHtml(item.image_url)}" alt=""></a>
      <div class="info">
        <a class="title" href="/products/${item.product_id}/">${escapeHtml(item.title)}</a>
        ${spec ? `<span class="spec">${escapeHtml(spec)}</span>` : ""}${note}
        <div class="bottom">
          <span class="price"><small>¥</small>${yuan(item.price_fen)}</span>
          <span class="stepper">
            <button type="button" data-step="-1" ${item.quantity <= 1 ? "disabled" : ""} aria-label="减少">−</button>
            <input type="number" inputmode="numeric" value="${item.quantity}" data-qty aria-label="数量">
            <button type="button" data-step="1" ${item.quantity >= Math.min(item.max_quantity, item.stock) ? "disabled" : ""} aria-label="增加">+</button>
          </span>
        </div>
      </div>
      <button class="remove" data-remove aria-label="删除"><svg class="icon sm"><use href="#i-trash"/></svg></button>
    </div>`;
  }

  function draw(cart) {
    setCartBadge(cart.items.length);
    document.getElementById("cart-total").textContent = yuan(cart.total_fen);
    bar.classList.toggle("hidden", !cart.items.length);
    if (!cart.items.length) {
      list.innerHTML = `<div class="empty"><svg class="icon"><use href="#i-cart"/></svg>购物车还是空的<br><a class="btn small" href="/">去逛逛</a></div>`;
      return;
    }
    list.innerHTML = cart.items.map(itemHtml).join("");
    const blocked = cart.items.some((item) => !item.available);
    document.getElementById("checkout-btn").classList.toggle("ghost", blocked);
    document.getElementById("checkout-btn").dataset.blocked = blocked ? "1" : "";
  }

  async function refresh() {
    try { draw(await api("GET", "/api/v1/cart")); } catch (e) { toast(e.detail); }
  }

  async function setQuantity(id, quantity) {
    try { await api("PATCH", `/api/v1/cart/items/${id}`, { quantity }); } catch (e) { toast(e.detail); }
    refresh();
  }

  list.addEventListener("click", async (event) => {
    const row = event.target.closest("[data-id]");
    if (!row) return;
    const id = row.dataset.id;
    const step = event.target.closest("[data-step]");
    if (step) {
      setQuantity(id, Number(row.querySelector("[data-qty]").value) + Number(step.dataset.step));
    } else if (event.target.closest("[data-remove]")) {
      if (!confirm("确定从购物车删除这件商品吗？")) return;
      try { await api("DELETE", `/api/v1/cart/items/${id}`); toast("已删除"); } catch (e) { toast(e.detail); }
      refresh();
    }
  });
  list.addEventListener("change", (event) => {
    if (!event.target.matches("[data-qty]")) return;
    const quantity = Math.floor(Number(event.target.value));
    setQuantity(event.target.closest("[data-id]").dataset.id, quantity >= 1 ? quantity : 1);
  });
  document.getElementById("checkout-btn").addEventListener("click", (event) => {
    if (event.currentTarget.dataset.blocked) {
      event.preventDefault();
      toast("请先删除已失效或库存不足的商品");
    }
  });

  refresh();
})();
