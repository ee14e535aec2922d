// The mission form shows only the chosen city's needs (without this script it shows all,
// grouped by city, and the server refuses needs of another city).
document.addEventListener("DOMContentLoaded", () => {
  const city = document.getElementById("city_id");
  const groups = document.querySelectorAll(".city-needs[data-city]");
  if (!city || groups.length === 0) {
    return;
  }
  const show = () => {
    groups.forEach((group) => {
      const match = city.value === "0" || group.dataset.city === city.value;
      group.hidden = !match;
      group.querySelectorAll("input").forEach((input) => {
        input.disabled = !match;
      });
    });
  };
  city.addEventListener("change", show);
  show();
});
