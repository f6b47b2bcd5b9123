/* Cart page: drawn from GET /api/v1/cart, changed through the cart item endpoints. */
(function () {
  "use strict";
  const { api, toast, yuan, escapeHtml, setCartBadge } = window.Micromall;
  const list = document.getElementById("cart-items");
  const bar = document.getElementById("cart-bar");
  const total = document.getElementById("cart-total");
  const pickAll = document.getElementById("pick-all");
  const checkout = document.getElementById("checkout-btn");
  // Every line that can be bought is ticked unless the shopper unticked it, new lines too;
  // the total and 去结算 follow the ticks.
  const unticked = new Set();
  let items = [];

  function ticked() {
    return items.filter((item) => item.available && !unticked.has(item.id));
  }

  function showSelection() {
    const chosen = ticked();
    const buyable = items.filter((item) => item.available);
    total.textContent = yuan(chosen.reduce((sum, item) => sum + item.price_fen * item.quantity, 0));
    pickAll.checked = buyable.length > 0 && chosen.length === buyable.length;
    pickAll.disabled = !buyable.length;
    checkout.textContent = chosen.length ? `去结算(${chosen.length})` : "去结算";
    checkout.classList.toggle("ghost", !chosen.length);
    checkout.href = `${checkout.dataset.href}&items=${chosen.map((item) => item.id).join(",")}`;
    list.querySelectorAll("[data-pick]").forEach((box) => {
      box.checked = chosen.some((item) => String(item.id) === box.closest("[data-id]").dataset.id);
    });
  }

  function itemHtml(item) {
    const spec = Object.values(item.spec).join(" / ");
    const note = item.available ? "" : `<span class="note-off">${item.stock > 0 ? "库存不足，仅剩 " + item.stock + " 件" : "已下架或售罄"}</span>`;
    return `<div class="cart-item${item.available ? "" : " off"}" data-id="${item.id}">
      <label class="pick"><input type="checkbox" data-pick ${item.available ? "" : "disabled"} aria-label="选择 ${escapeHtml(item.title)}"></label>
      <a href="/products/${item.product_id}/"><img src="${escapeHtml(item.image_url)}" alt="${escapeHtml(item.title)}"></a>
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
    items = cart.items;
    bar.classList.toggle("hidden", !cart.items.length);
    if (!cart.items.length) {
      list.innerHTML = `<div class="empty"><svg class="icon"><use href="#i-cart"/></svg>购物车还是空的<br><a class="btn small" href="/">去逛逛</a></div>`;
      return;
    }
    list.innerHTML = cart.items.map(itemHtml).join("");
    showSelection();
  }

  /* Until the cart has loaded there is nothing to total or check out: the bar stays
     hidden and a failure says why, with a way to try again. */
  function drawError(error) {
    bar.classList.add("hidden");
    list.innerHTML = `<div class="empty"><svg class="icon"><use href="#i-cart"/></svg>购物车加载失败：${escapeHtml(error.detail)}<br><button type="button" class="btn small" data-retry>重试</button></div>`;
  }

  async function refresh() {
    try { draw(await api("GET", "/api/v1/cart")); } catch (e) { if (e.status !== 401) drawError(e); }
  }

  async function setQuantity(id, quantity) {
    try { await api("PATCH", `/api/v1/cart/items/${id}`, { quantity }); } catch (e) { toast(e.detail); }
    refresh();
  }

  list.addEventListener("click", async (event) => {
    if (event.target.closest("[data-retry]")) {
      list.innerHTML = '<div class="empty">加载中…</div>';
      return refresh();
    }
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
    if (event.target.matches("[data-pick]")) {
      const id = Number(event.target.closest("[data-id]").dataset.id);
      if (event.target.checked) unticked.delete(id); else unticked.add(id);
      return showSelection();
    }
    if (!event.target.matches("[data-qty]")) return;
    const quantity = Math.floor(Number(event.target.value));
    setQuantity(event.target.closest("[data-id]").dataset.id, quantity >= 1 ? quantity : 1);
  });
  pickAll.addEventListener("change", () => {
    items.forEach((item) => { if (pickAll.checked) unticked.delete(item.id); else unticked.add(item.id); });
    showSelection();
  });
  checkout.addEventListener("click", (event) => {
    if (!ticked().length) {
      event.preventDefault();
      toast("请选择要结算的商品");
    }
  });

  refresh();
})();
