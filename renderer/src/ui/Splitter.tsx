/** A drag handle that resizes a neighbouring panel (pointer capture; the value is clamped by the caller). */
export function Splitter({ axis, value, onChange, label }: { axis: 'x' | 'y'; value: number; onChange: (v: number) => void; label: string }) {
  return (
    <div
      className={`splitter splitter--${axis}`}
      role="separator"
      aria-label={label}
      aria-orientation={axis === 'x' ? 'vertical' : 'horizontal'}
      onPointerDown={(e) => {
        const el = e.currentTarget;
        el.setPointerCapture(e.pointerId);
        const start = axis === 'x' ? e.clientX : e.clientY;
        const from = value;
        const move = (m: PointerEvent) => onChange(from - ((axis === 'x' ? m.clientX : m.clientY) - start));
        const up = () => {
          el.removeEventListener('pointermove', move);
          el.removeEventListener('pointerup', up);
        };
        el.addEventListener('pointermove', move);
        el.addEventListener('pointerup', up);
      }}
    />
  );
}
