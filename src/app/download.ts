// Saves bytes, text or a Blob as a file through a temporary object URL, as a download.
export function download(name: string, content: string | Uint8Array | Blob, mime: string): void {
  const blob = content instanceof Blob ? content : new Blob([typeof content === 'string' ? content : (content as Uint8Array<ArrayBuffer>)], { type: mime });
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  URL.revokeObjectURL(url);
}
