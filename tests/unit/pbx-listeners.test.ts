import { Listeners } from '../../pbx/asterisk/listeners';

describe('provider listeners', () => {
  it('delivers to every listener even when one throws, logs the throw, and stops delivering after dispose', () => {
    const logged: string[] = [];
    const list = new Listeners<number>('queue', { error: (m) => logged.push(m) });
    const heard: number[] = [];
    list.add(() => {
      throw new Error('pane broken');
    });
    const off = list.add((n) => heard.push(n));
    list.emit(1);
    off();
    list.emit(2);
    expect(heard).toEqual([1]);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatch(/^queue listener threw: Error: pane broken/);
  });
});
