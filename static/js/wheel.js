/* The lucky wheel: drawn from its prizes (a CSS conic-gradient, one equal slot each, clockwise
   from the top), spun through the API, stopped on the slot of the prize the server chose;
   then what was won, where to find it, and for a physical prize the address, on this page. */
(function () {
  "use strict";
  const { api, toast, escapeHtml } = window.Micromall;
  const root = document.getElementById("wheel");
  const dataEl = document.getElementById("wheel-data");
  if (!root || !dataEl) return;

  const data = JSON.parse(dataEl.textContent);
  const slots = data.slots;
  const disc = root.querySelector("[data-disc]");
  const button = root.querySelector("[data-spin]");
  const errorLine = root.querySelector("[data-error]");
  const leftEl = root.querySelector("[data-left]");
  const pointsEl = root.querySelector("[data-points]");
  const SPIN_MS = 4800;
  // Animations off in the phone's settings: the disc is set on the prize at once, no spin.
  const motion = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : { matches: false };

  const KIND_MARK = { points: "积分", coupon: "优惠券", red_packet: "红包", physical: "好礼", none: "" };
  const PALETTE = ["#fff3d6", "#ffd9cf", "#ffe9b0"];
  const slotDeg = 360 / slots.length;

  function slotColour(index, slot) {
    if (slot.kind === "none") return "#f4f5f7";
    // Two colours alternate; with an odd count a third keeps the last from touching the first.
    if (slots.length % 2 && index === slots.length - 1) return PALETTE[2];
    return PALETTE[index % 2];
  }

  // A label as wide as its slot's chord at 70 % of the radius (so twelve slots do not overlap).
  const labelWidth = Math.min(28, 70 * Math.sin(Math.PI / slots.length));

  function draw() {
    const stops = slots.map((slot, i) => `${slotColour(i, slot)} ${i * slotDeg}deg ${(i + 1) * slotDeg}deg`);
    disc.style.background = `conic-gradient(${stops.join(", ")})`;
    disc.innerHTML = slots.map((slot, i) => {
      const image = slot.image_url ? `<img src="${escapeHtml(slot.image_url)}" alt="" width="28" height="28">` : "";
      const mark = KIND_MARK[slot.kind] ? `<small>${KIND_MARK[slot.kind]}</small>` : "";
      return `<div class="wheel-slot" style="width: ${labelWidth}%; transform: translateX(-50%) rotate(${(i + 0.5) * slotDeg}deg)">` +
        `<span>${escapeHtml(slot.name)}</span>${mark}${image}</div>`;
    }).join("");
  }
  draw();

  let rotation = 0;
  function spinTo(index) {
    // Land somewhere inside the slot (not on its edge), after six full turns.
    const jitter = (Math.random() - 0.5) * slotDeg * 0.6;
    const target = (360 - ((index + 0.5) * slotDeg + jitter) % 360) % 360;
    const current = ((rotation % 360) + 360) % 360;
    if (motion.matches) {
      rotation += (target - current + 360) % 360;
      disc.style.transition = "none";
      disc.style.transform = `rotate(${rotation}deg)`;
      return Promise.resolve();
    }
    rotation += 360 * 6 + ((target - current + 360) % 360);
    disc.style.transition = `transform ${SPIN_MS}ms cubic-bezier(.15, .7, .12, 1)`;
    disc.style.transform = `rotate(${rotation}deg)`;
    return new Promise((resolve) => setTimeout(resolve, SPIN_MS + 150));
  }

  function slotOf(prize) {
    const exact = slots.findIndex((slot) => prize.id !== null && slot.id === prize.id);
    if (exact >= 0) return exact;
    const consolation = slots.findIndex((slot) => slot.kind === "none");
    return consolation >= 0 ? consolation : 0;
  }

  function showError(line, message) {
    line.textContent = message || "";
  }

  /* --- The result, and where to find it ------------------------------------------- */
  const result = document.querySelector("[data-result]");
  const resultTitle = result.querySelector("[data-result-title]");
  const resultText = result.querySelector("[data-result-text]");
  const resultLink = result.querySelector("[data-result-link]");

  function showResult(outcome) {
    const won = outcome.prize.kind !== "none";
    result.classList.toggle("lost", !won);
    resultTitle.textContent = won ? `恭喜你抽中「${outcome.prize.name}」` : "谢谢参与，下次好运！";
    resultText.textContent = outcome.where ? outcome.where.text : (outcome.spins_left_today ? "再转一次试试手气" : "今天的次数用完了，明天再来");
    const link = outcome.where && outcome.prize.kind !== "physical" ? outcome.where : null;
    resultLink.classList.toggle("hidden", !link);
    if (link) {
      resultLink.href = link.path;
      resultLink.textContent = { points: "去看积分明细", coupon: "去我的优惠券", red_packet: "去我的余额" }[outcome.prize.kind] || "去看看";
    }
    result.dataset.spin = outcome.spin_id;
    result.classList.remove("hidden");
    if (won) addWin(outcome);
    if (outcome.prize.kind === "physical" && outcome.shipment) openAddress(outcome.spin_id);
  }

  const wins = document.querySelector("[data-wins]");
  function addWin(outcome) {
    const empty = wins.querySelector("[data-no-wins]");
    if (empty) empty.remove();
    const action = outcome.prize.kind === "physical"
      ? `<span>待填写收货地址</span><button class="btn small ghost brand" type="button" data-fill-address="${outcome.spin_id}">填写地址</button>`
      : (outcome.where ? `<a href="${escapeHtml(outcome.where.path)}">${escapeHtml(outcome.where.text)} ›</a>` : "");
    wins.insertAdjacentHTML("afterbegin", `<li><div><b>${escapeHtml(outcome.prize.name)}</b><small class="muted">刚刚</small></div><div class="wheel-win-detail">${action}</div></li>`);
  }

  /* --- Spinning -------------------------------------------------------------------- */
  let spinning = false;
  if (button) {
    button.addEventListener("click", async () => {
      if (spinning) return;
      spinning = true;
      button.disabled = true;
      showError(errorLine, "");
      result.classList.add("hidden");
      let outcome;
      try {
        outcome = await api("POST", `/api/v1/wheels/${data.id}/spin`);
      } catch (e) {
        showError(errorLine, e.detail);
        spinning = false;
        const over = e.code === "daily_limit_reached" || e.code === "campaign_not_active";
        button.disabled = over;
        if (e.code === "daily_limit_reached" && leftEl) leftEl.textContent = "0";
        return;
      }
      await spinTo(slotOf(outcome.prize));
      if (leftEl) leftEl.textContent = outcome.spins_left_today;
      if (pointsEl) pointsEl.textContent = outcome.points;
      showResult(outcome);
      spinning = false;
      button.disabled = outcome.spins_left_today <= 0;
    });
  }

  /* --- A physical prize's address --------------------------------------------------- */
  const form = document.querySelector("[data-address-form]");
  const addressError = form.querySelector("[data-address-error]");
  const newAddress = form.querySelector("[data-new-address]");

  function openAddress(spinId) {
    form.dataset.spin = spinId;
    showError(addressError, "");
    form.classList.remove("hidden");
    form.scrollIntoView({ behavior: motion.matches ? "auto" : "smooth", block: "center" });
  }

  document.addEventListener("click", (event) => {
    const fill = event.target.closest("[data-fill-address]");
    if (fill) openAddress(fill.dataset.fillAddress);
  });

  form.addEventListener("change", (event) => {
    if (event.target.name === "address_id") newAddress.classList.toggle("hidden", event.target.value !== "new");
  });

  async function chosenAddressId() {
    const chosen = form.querySelector("input[name=address_id]:checked");
    if (chosen && chosen.value !== "new") return Number(chosen.value);
    const field = (name) => form.elements[name].value.trim();
    if (!field("name") || !/^1\d{10}$/.test(field("phone")) || !field("province") || !field("city") || !field("detail")) {
      throw { detail: "请填写收货人、11 位手机号、省市和详细地址" };
    }
    const body = { name: field("name"), phone: field("phone"), province: field("province"), city: field("city"), district: field("district"), detail: field("detail"), is_default: false };
    return (await api("POST", "/api/v1/addresses", body)).id;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const submit = form.querySelector("button[type=submit]");
    submit.disabled = true;
    showError(addressError, "");
    try {
      const addressId = await chosenAddressId();
      const shipment = await api("POST", `/api/v1/wheels/spins/${form.dataset.spin}/address`, { address_id: addressId });
      form.classList.add("hidden");
      const button = document.querySelector(`[data-fill-address="${form.dataset.spin}"]`);
      if (button) {
        button.textContent = "修改地址";
        const note = button.previousElementSibling;
        if (note && note.tagName === "SPAN") note.textContent = `寄往 ${shipment.receiver_name} ${shipment.address}，等待发货`;
      }
      if (result.dataset.spin === form.dataset.spin) resultText.textContent = `将寄往 ${shipment.receiver_name} ${shipment.address}，请留意发货`;
      toast("地址已提交，我们会尽快寄出");
    } catch (e) {
      showError(addressError, e.detail);
    } finally {
      submit.disabled = false;
    }
  });
})();
