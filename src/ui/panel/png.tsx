// PNG bytes → Blob URL → <img>. URLs are revoked when the bytes change or the image unmounts.
import { useEffect, useMemo } from 'preact/hooks';

export function usePngUrl(png: Uint8Array | null | undefined): string | null {
  const url = useMemo(
    () => (png && png.length > 0 ? URL.createObjectURL(new Blob([png as Uint8Array<ArrayBuffer>], { type: 'image/png' })) : null),
    [png],
  );
  useEffect(
    () => () => {
      if (url) URL.revokeObjectURL(url);
    },
    [url],
  );
  return url;
}

export function PngImage(props: { png: Uint8Array | null | undefined; alt: string; testid?: string; class?: string }) {
  const url = usePngUrl(props.png);
  if (!url) return null;
  return <img src={url} alt={props.alt} data-testid={props.testid} class={props.class} draggable={false} />;
}
