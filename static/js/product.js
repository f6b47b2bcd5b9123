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

  /* A SKU with its own photo shows it in the sheet and as the gallery's first photo; back
     to the product's cover when the pick is undone. */
  const sheetImage = document.querySelector("[data-sheet-image]");
  const galleryTrack = document.querySelector("[data-gallery] .track");
  const firstPhoto = galleryTrack && galleryTrack.querySelector("img");
  const covers = { sheet: sheetImage.getAttribute("src"), gallery: firstPhoto && firstPhoto.getAttribute("src") };
  function showPhoto(url) {
    if (url || covers.sheet) sheetImage.src = url || covers.sheet;
    if (!firstPhoto) return;
    const next = url || covers.gallery;
    if (firstPhoto.getAttribute("src") === next) return;
    firstPhoto.src = next;
    galleryTrack.scrollTo({ left: 0 });
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
    const label = specNames.length ? (sku ? specNames.map((name) => sku.spec[name]).join(" / ") : "请选择 " + specNames.filter((n) => !chosen[n]).join(" ")) : "";
    document.querySelectorAll("[data-chosen], [data-chosen-short]").forEach((el) => (el.textContent = label));
    showPhoto(sku && sku.image_url);
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

  /* WeChat login is a round trip through another site that reloads this page empty, so
     the pick waiting to go into the cart travels in the URL login comes back to (a 401
     from the cart API sends the shopper there with location.search as `next`). */
  function setPickInUrl(sku, quantity) {
    const url = new URL(location.href);
    ["sku", "qty", "add"].forEach((name) => url.searchParams.delete(name));
    if (sku) { url.searchParams.set("sku", sku.id); url.searchParams.set("qty", quantity); url.searchParams.set("add", "cart"); }
    history.replaceState(history.state, "", url);
  }

  /* Resolves false when the shopper is on the way to login (the page is being left). */
  async function addToCart(sku, quantity, button) {
    button.disabled = true;
    try {
      await api("POST", "/api/v1/cart/items", { sku_id: sku.id, quantity });
      const cart = await api("GET", "/api/v1/cart");
      setCartBadge(cart.items.length);
      closeSheet();
      toast("已加入购物车");
    } catch (e) {
      if (e.status === 401) return false;
      toast(e.detail);
    } finally {
      button.disabled = false;
    }
    return true;
  }

  const confirmButton = document.querySelector("[data-confirm]");
  confirmButton.addEventListener("click", () => {
    const sku = currentSku();
    if (!sku) return toast("请选择" + specNames.filter((n) => !chosen[n]).join("、"));
    if (sku.stock <= 0) return toast("该规格已售罄");
    const quantity = Number(qtyInput.value);
    if (mode === "buy") {
      location.href = `/checkout/?sku=${sku.id}&qty=${quantity}`;
      return;
    }
    setPickInUrl(sku, quantity);
    addToCart(sku, quantity, confirmButton).then((stayed) => stayed && setPickInUrl(null));
  });

  // A spec with a single value needs no choosing.
  data.specs.forEach((spec) => { if (spec.values.length === 1) chosen[spec.name] = spec.values[0]; });
  const params = new URLSearchParams(location.search);
  const picked = data.skus.find((sku) => String(sku.id) === params.get("sku"));
  if (picked) {
    Object.assign(chosen, picked.spec);
    qtyInput.value = Number(params.get("qty")) || 1;
  }
  render();
  if (picked && params.get("add") === "cart") {
    // Taken out of the URL first: a login that did not stick must not bring us back here in a loop.
    setPickInUrl(null);
    openSheet("cart");
    addToCart(picked, Number(qtyInput.value), confirmButton);
  }
})();
