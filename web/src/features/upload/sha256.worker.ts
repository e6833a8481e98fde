// sha256 of a file off the main thread (WebCrypto), so hashing a 50 MB file never freezes the page.
self.onmessage = async (event: MessageEvent<{ id: number; file: Blob }>) => {
  const { id, file } = event.data;
  try {
    const digest = await crypto.subtle.digest("SHA-256", await file.arrayBuffer());
    const hex = Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
    self.postMessage({ id, hex });
  } catch (error) {
    self.postMessage({ id, error: String(error) });
  }
};
