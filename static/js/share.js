/* Inside WeChat: sign this page for the JS-SDK and set what "share to a chat / to
   Moments" shows. The page says what to share in its <meta name="share:*"> tags. */
(function () {
  "use strict";
  if (!/MicroMessenger/i.test(navigator.userAgent)) return;

  function meta(name) {
    const tag = document.querySelector(`meta[name="share:${name}"]`);
    return tag ? tag.content : "";
  }

  const script = document.createElement("script");
  script.src = "https://res.wx.qq.com/open/js/jweixin-1.6.0.js";
  script.onload = async () => {
    const url = location.href.split("#")[0];
    let config;
    try {
      config = await window.Micromall.api("GET", "/api/v1/share-config?url=" + encodeURIComponent(url));
    } catch (e) {
      return; // sharing still works, just without our title and picture
    }
    window.wx.config({ debug: false, ...config });
    window.wx.ready(() => {
      const share = { title: meta("title"), desc: meta("desc"), link: meta("link") || url, imgUrl: meta("image") };
      window.wx.updateAppMessageShareData(share);
      window.wx.updateTimelineShareData({ title: share.title, link: share.link, imgUrl: share.imgUrl });
    });
  };
  document.head.appendChild(script);
})();
