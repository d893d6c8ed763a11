// The steps of the public registration form: "Next" and "Back" open the step's tab, as its pill in the list does.
document.addEventListener("click", (ev) => {
    const button = ev.target.closest("[data-ncc-step-to]");
    if (!button) {
        return;
    }
    document.getElementById(`ncc_tab_${button.dataset.nccStepTo}`)?.click();
    window.scrollTo({ top: 0 });
});
