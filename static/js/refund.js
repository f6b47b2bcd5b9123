/* After-sales request: the items chosen set the amount (editable down), photos are
   shrunk on the phone before they are sent, and everything goes as one JSON body. */
(function () {
  "use strict";
  const { api, toast } = window.Micromall;
  const form = document.getElementById("refund-form");
  const items = [...form.querySelectorAll(".refund-item")];
  const amountInput = form.elements.amount;
  const capLabel = form.querySelector("[data-cap]");
  const thumbs = form.querySelector("[data-thumbs]");
  const MAX_PHOTOS = 3;
  const PHOTO_SIDE = 1280; // enough to see a scratch; keeps three photos well under the request cap
  let photos = [];

  const yuan = (fen) => (fen / 100).toFixed(2);

  function toFen(text) {
    const match = /^\s*(\d{1,9})(?:\.(\d{1,2}))?\s*$/.exec(text);
    return match ? Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0")) : null;
  }

  function chosen() {
    return items
      .filter((item) => item.querySelector("[name=line]").checked)
      .map((item) => ({ item, quantity: Math.floor(Number(item.querySelector("[name=quantity]").value)) }));
  }

  // The same rule as the server's: each item's share of what its line paid; every item
  // still refundable, in full, brings the whole rest of the order (shipping too).
  function cap() {
    const picks = chosen();
    const max = Number(form.dataset.max);
    const all = items.every((item) => picks.some((p) => p.item === item && p.quantity === Number(item.dataset.left)));
    if (all) return max;
    const fen = picks.reduce((sum, { item, quantity }) => sum + Math.floor((Number(item.dataset.pay) * quantity) / Number(item.dataset.quantity)), 0);
    return Math.min(fen, max);
  }

  function refreshAmount() {
    const fen = cap();
    amountInput.value = yuan(fen);
    capLabel.textContent = `¥${yuan(fen)}`;
  }

  items.forEach((item) => {
    const box = item.querySelector("[name=line]");
    const count = item.querySelector("[name=quantity]");
    box.addEventListener("change", () => {
      count.disabled = !box.checked;
      refreshAmount();
    });
    count.addEventListener("input", refreshAmount);
  });

  function shrink(file) {
    return new Promise((resolve, reject) => {
      const url = URL.createObjectURL(file);
      const image = new Image();
      image.onload = () => {
        const scale = Math.min(1, PHOTO_SIDE / Math.max(image.naturalWidth, image.naturalHeight));
        const canvas = document.createElement("canvas");
        canvas.width = Math.round(image.naturalWidth * scale);
        canvas.height = Math.round(image.naturalHeight * scale);
        canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        resolve(canvas.toDataURL("image/jpeg", 0.85));
      };
      image.onerror = () => {
        URL.revokeObjectURL(url);
        reject(new Error("unreadable"));
      };
      image.src = url;
    });
  }

  function showPhotos() {
    thumbs.replaceChildren(
      ...photos.map((dataUrl, index) => {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "refund-thumb";
        button.setAttribute("aria-label", `删除第 ${index + 1} 张图片`);
        const img = document.createElement("img");
        img.src = dataUrl;
        img.alt = `凭证图片 ${index + 1}`;
        button.append(img);
        button.addEventListener("click", () => {
          photos.splice(index, 1);
          showPhotos();
        });
        return button;
      }),
    );
    form.querySelector(".refund-add").hidden = photos.length >= MAX_PHOTOS;
  }

  form.elements.photos.addEventListener("change", async (event) => {
    const files = [...event.target.files];
    event.target.value = "";
    if (files.some((file) => !["image/jpeg", "image/png"].includes(file.type))) toast("请选择 JPEG 或 PNG 图片");
    for (const file of files.filter((f) => ["image/jpeg", "image/png"].includes(f.type))) {
      if (photos.length >= MAX_PHOTOS) {
        toast(`最多上传 ${MAX_PHOTOS} 张图片`);
        break;
      }
      try {
        photos.push(await shrink(file));
      } catch {
        toast("这张图片无法读取，请换一张");
      }
    }
    showPhotos();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const picks = chosen();
    if (!picks.length) return toast("请选择要退款的商品");
    const bad = picks.find(({ item, quantity }) => !(quantity >= 1 && quantity <= Number(item.dataset.left)));
    if (bad) return toast(`该商品最多可退 ${bad.item.dataset.left} 件`);
    const amount = toFen(amountInput.value);
    const max = cap();
    if (!amount || amount > max) return toast(`请输入 0.01 到 ${yuan(max)} 之间的金额`);
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await api("POST", `/api/v1/orders/${form.dataset.number}/refunds`, {
        refund_type: form.elements.refund_type.value,
        reason: form.elements.reason.value,
        note: form.elements.note.value.trim(),
        amount_fen: amount,
        items: picks.map(({ item, quantity }) => ({ line_id: Number(item.dataset.line), quantity })),
        photos,
      });
      location.replace(`/orders/${form.dataset.number}/`);
    } catch (e) {
      toast(e.detail);
      button.disabled = false;
    }
  });
})();
