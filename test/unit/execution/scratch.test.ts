import { it } from 'vitest';
import { EngineHarness } from '../runtime/engine-harness';
import { VolumeParticipationFillModel } from '../../../engine/sim';

it('scratch oco', () => {
  const h = new EngineHarness();
  h.flat(100);
  const r = h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 10, type: 'MARKET', bracket: { stopLossDistance: 50, takeProfitDistance: 100 } });
  console.log(r);
  h.bar(100, 100.2, 99.8, 100);
  h.bar(100, 100.2, 99.4, 99.6);
  console.log(h.trace);
  console.log(h.of('OrderCanceled'), h.trades());
});
it('scratch partial limit', () => {
  const h = new EngineHarness({ fillModel: new VolumeParticipationFillModel({ fraction: 0.5 }) });
  h.flat(100);
  h.submit({ instrumentId: 'AAA', side: 'BUY', qty: 1000, type: 'LIMIT', price: 10000, bracket: { stopLossDistance: 50, takeProfitDistance: 100 } });
  h.bar(100, 100, 100, 100, { volume: 800 });
  console.log(h.position(), h.working().map((o) => [o.clientOrderId, o.role, o.qty, o.filledQty, o.status]));
  h.bar(99.9, 99.9, 99.4, 99.5, { volume: 800 });
  console.log(h.position(), h.working().map((o) => [o.clientOrderId, o.role, o.qty, o.filledQty, o.status]));
  h.bar(99.5, 99.6, 99.4, 99.5, { volume: 800 });
  console.log(h.position(), h.working().map((o) => [o.clientOrderId, o.role, o.qty, o.filledQty, o.status]));
  console.log(h.trace);
});
