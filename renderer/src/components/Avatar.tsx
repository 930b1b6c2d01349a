// A person's or chat's picture: the protocol's avatar from the media
// repository (a server-made square thumbnail, cached in the blob store), or
// initials on a colour stable for the id (mail senders, anyone without one).
import { memo } from 'react';
import { useMediaUrl } from '../hooks/useMediaUrl.js';
import { avatarColour, initials } from '../lib/avatar.js';

interface Props {
  accountId: number;
  /** What the colour is derived from: a remote id or an address. */
  id: string;
  name: string;
  uri?: string | null;
  /** CSS pixels. */
  size?: number;
  className?: string;
}

export const Avatar = memo(function Avatar({
  accountId,
  id,
  name,
  uri,
  size = 32,
  className,
}: Props) {
  // Thumbnails at twice the size for sharp pictures on high-density screens.
  const px = Math.min(256, Math.max(32, size * 2));
  const url = useMediaUrl(accountId, uri, { width: px, height: px });
  const style = { width: size, height: size, fontSize: Math.round(size * 0.42) };
  return (
    <span
      className={`avatar${className ? ` ${className}` : ''}`}
      style={url ? style : { ...style, backgroundColor: avatarColour(id || name) }}
      aria-hidden="true"
      data-avatar={url ? 'image' : 'initials'}
    >
      {url ? <img src={url} alt="" width={size} height={size} /> : initials(name || id)}
    </span>
  );
});
