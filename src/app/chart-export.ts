// A chart on the page as a file: the SVG recharts drew (with its computed
// colours and a background, so it reads outside the page), or that SVG drawn
// to a PNG at twice its size.
import { download } from './download';

function standaloneSvg(figure: HTMLElement): { text: string; width: number; height: number } {
  const svg = figure.querySelector('.recharts-wrapper > svg.recharts-surface');
  if (!svg) throw new Error('no chart drawn yet');
  const { width, height } = svg.getBoundingClientRect();
  const copy = svg.cloneNode(true) as SVGSVGElement;
  copy.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  copy.setAttribute('width', String(width));
  copy.setAttribute('height', String(height));
  const style = getComputedStyle(figure);
  const bg = document.createElementNS('http://www.w3.org/2000/svg', 'rect');
  bg.setAttribute('width', '100%');
  bg.setAttribute('height', '100%');
  bg.setAttribute('fill', getComputedStyle(document.querySelector('.panel') ?? document.body).backgroundColor);
  copy.insertBefore(bg, copy.firstChild);
  copy.setAttribute('font-family', style.fontFamily);
  copy.setAttribute('color', style.color);
  // Text and axis lines use currentColor or CSS variables that do not travel: fix them to what the page shows.
  for (const t of copy.querySelectorAll('text')) if (!t.getAttribute('fill') || t.getAttribute('fill')?.startsWith('var(')) t.setAttribute('fill', style.color);
  return { text: new XMLSerializer().serializeToString(copy), width, height };
}

export function downloadChartSvg(figure: HTMLElement, name: string): void {
  download(`${name}.svg`, standaloneSvg(figure).text, 'image/svg+xml');
}

export async function downloadChartPng(figure: HTMLElement, name: string): Promise<void> {
  const { text, width, height } = standaloneSvg(figure);
  const url = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the chart could not be drawn as an image'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = 2 * width;
    canvas.height = 2 * height;
    const ctx = canvas.getContext('2d')!;
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0, width, height);
    const png = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'));
    download(`${name}.png`, png, 'image/png');
  } finally {
    URL.revokeObjectURL(url);
  }
}
