/* The schedule admin: show a crontab in words under the field as it is chosen. */
(function ($) {
  "use strict";
  const script = document.currentScript;
  const readable = JSON.parse(document.getElementById("readable-crontabs").textContent);
  const help = script.dataset.crontabHelp || "";
  $(function () {
    $(".field-crontab_translation").hide();
    $(".field-crontab").on("change", function () {
      const words = readable[$("#id_crontab").val()];
      $(".field-crontab .help").text(help).append(words ? $("<br>").add($("<span>").text("含义：" + words)) : []);
    });
  });
})(django.jQuery);
