// Which image URLs a page may load. The CSP allows this origin and https: only; anything else
// would just be blocked (and reported), so it is not tried.

export function displayableUrl(url) {
  if (!url) return null;
  try {
    const parsed = new URL(url, location.href);
    if (parsed.protocol === "https:" || parsed.origin === location.origin) return parsed.href;
  } catch {
    // not a URL at all
  }
  return null;
}
