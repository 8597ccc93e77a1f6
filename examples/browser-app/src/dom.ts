// Elements built with textContent only: server data never becomes markup (checklist 2.4, XSS reads web storage).
type Child = Node | string;

export function el(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value);
  node.append(...children);
  return node;
}

export function show(...children: Child[]): void {
  document.getElementById("app")!.replaceChildren(...children);
}

export function showError(title: string, error: unknown): void {
  const code =
    typeof error === "object" && error !== null && typeof (error as { code?: unknown }).code === "string"
      ? (error as { code: string }).code
      : undefined;
  const message = error instanceof Error ? error.message : String(error);
  show(
    el(
      "section",
      { class: "error", role: "alert", id: "error", ...(code ? { "data-code": code } : {}) },
      el("h2", {}, title),
      el("p", {}, message),
      ...(code ? [el("p", {}, "Code: ", el("code", {}, code))] : []),
      el(
        "p",
        {},
        el("a", { href: "./" }, "Back to the app"),
        " · ",
        el("a", { href: "./launch.html" }, "Start a standalone launch"),
      ),
    ),
  );
}
