/* Product page: pick one value per spec, see that SKU's price and stock, then add to
   the cart or buy now. Values that lead to no SKU in stock are disabled. */
(function () {
  "use strict";
  const { api, toast, yuan, setCartBadge } = window.Micromall;
  const data = JSON.parse(document.getElementById("product-data").textContent);
  const specNames = data.specs.map((spec) => spec.name);
  const chosen = {};
  let mode = "cart";

  const qtyInput = document.querySelector("[data-qty]");
  const body = document.body;

  function matches(sku, picks) {
    return Object.entries(picks).every(([name, value]) => sku.spec[name] === value);
  }
  function currentSku() {
    if (specNames.some((name) => !chosen[name])) return null;
    return data.skus.find((sku) => matches(sku, chosen)) || null;
  }
  function maxQuantity(sku) {
    return Math.max(1, Math.min(data.limit, sku ? sku.stock : data.limit));
  }

  function render() {
    document.querySelectorAll("[data-spec]").forEach((group) => {
      const name = group.dataset.spec;
      group.querySelectorAll("button").forEach((button) => {
        const value = button.dataset.value;
        const picks = { ...chosen, [name]: value };
        const possible = data.skus.some((sku) => sku.stock > 0 && matches(sku, picks));
        button.disabled = !possible;
        button.classList.toggle("on", chosen[name] === value);
      });
    });
    const sku = currentSku();
    const prices = data.skus.map((s) => s.price_fen);
    const low = Math.min(...prices), high = Math.max(...prices);
    const priceText = sku ? yuan(sku.price_fen) : low === high ? yuan(low) : `${yuan(low)}-${yuan(high)}`;
    document.querySelectorAll("[data-price]").forEach((el) => (el.textContent = priceText));
    const old = document.querySelector("[data-old-price]");
    const oldFen = sku ? sku.original_price_fen : null;
    old.textContent = oldFen && oldFen > sku.price_fen ? "¥" + yuan(oldFen) : "";
    const stock = document.querySelector("[data-stock]");
    stock.textContent = sku ? (sku.stock > 0 ? `库存 ${sku.stock} 件` : "该规格已售罄") : `共 ${data.skus.reduce((n, s) => n + s.stock, 0)} 件`;
    const label = specNames.length ? (sku ? Object.values(sku.spec).join(" / ") : "请选择 " + specNames.filter((n) => !chosen[n]).join(" ")) : "";
    document.querySelectorAll("[data-chosen], [data-chosen-short]").forEach((el) => (el.textContent = label));
    if (sku && sku.image_url) document.querySelector("[data-sheet-image]").src = sku.image_url;
    qtyInput.value = Math.min(Number(qtyInput.value) || 1, maxQuantity(sku));
  }

  document.querySelectorAll("[data-spec] button").forEach((button) => {
    button.addEventListener("click", () => {
      const name = button.closest("[data-spec]").dataset.spec;
      chosen[name] = chosen[name] === button.dataset.value ? undefined : button.dataset.value;
      if (!chosen[name]) delete chosen[name];
      render();
    });
  });
  document.querySelectorAll("[data-step]").forEach((button) => {
    button.addEventListener("click", () => {
      const next = (Number(qtyInput.value) || 1) + Number(button.dataset.step);
      qtyInput.value = Math.max(1, Math.min(next, maxQuantity(currentSku())));
    });
  });
  qtyInput.addEventListener("change", () => {
    qtyInput.value = Math.max(1, Math.min(Math.floor(Number(qtyInput.value)) || 1, maxQuantity(currentSku())));
  });

  function openSheet(nextMode) { mode = nextMode; body.classList.add("sheet-open"); }
  function closeSheet() { body.classList.remove("sheet-open"); }
  document.querySelectorAll("[data-open-sheet]").forEach((el) =>
    el.addEventListener("click", (event) => { event.preventDefault(); openSheet(el.dataset.openSheet); }));
  document.querySelectorAll("[data-close-sheet]").forEach((el) => el.addEventListener("click", closeSheet));

  document.querySelector("[data-confirm]").addEventListener("click", async (event) => {
    const sku = currentSku();
    if (!sku) return toast("请选择" + specNames.filter((n) => !chosen[n]).join("、"));
    if (sku.stock <= 0) return toast("该规格已售罄");
    const quantity = Number(qtyInput.value);
    if (mode === "buy") {
      location.href = `/checkout/?sku=${sku.id}&qty=${quantity}`;
      return;
    }
    event.target.disabled = true;
    try {
      await api("POST", "/api/v1/cart/items", { sku_id: sku.id, quantity });
      const cart = await api("GET", "/api/v1/cart");
      setCartBadge(cart.items.length);
      closeSheet();
      toast("已加入购物车");
    } catch (e) {
      toast(e.detail);
    } finally {
      event.target.disabled = false;
    }
  });

  // A spec with a single value needs no choosing.
  data.specs.forEach((spec) => { if (spec.values.length === 1) chosen[spec.name] = spec.values[0]; });
  render();
})();
