import { initials } from "../hooks/useGraphPhoto";

export function Avatar({ name, photoUrl, size = 36 }: { name: string | undefined; photoUrl: string | null; size?: number }) {
  const style = { width: size, height: size, fontSize: size * 0.4 };
  if (photoUrl) {
    return <img className="avatar" src={photoUrl} alt="" style={style} data-testid="avatar-photo" />;
  }
  return (
    <span className="avatar avatar--initials" style={style} aria-hidden="true" data-testid="avatar-initials">
      {initials(name)}
    </span>
  );
}
