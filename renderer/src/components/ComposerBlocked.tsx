// In place of a composer: why this chat takes no messages from Parley.
interface Props {
  reason: string;
}

export function ComposerBlocked({ reason }: Props) {
  return (
    <div className="composer composer-blocked" role="status">
      <p className="notice">
        <span aria-hidden="true">🔒 </span>
        {reason}
      </p>
    </div>
  );
}
