/**
 * Nothing is cut off: in every language (English, French, Dutch: their words differ in length) and at the window's
 * smallest (900 × 600, electron/main/policy.ts minWidth), default (1280 × 800) and a common larger size (1440 × 900),
 * every visible button, field and list of choices of the info bar and of each pane lies within it, left and right,
 * and the number field keeps room to type in. A control past its pane's edge is hidden by the pane (overflow) and out
 * of the receptionist's reach: French's "Derniers numéros" did that in the phone console's dial row.
 * The account's server never answers (no bed needed): the panes show as they do before a registration.
 */
import type { Language } from '../../electron/contract';
import { clippedControls, expect, startConsole, test, type RunningConsole, WINDOW_SIZES } from './console';

let console_: RunningConsole | undefined;
test.afterEach(async () => {
  await console_?.stop();
  console_ = undefined;
});

for (const language of ['en', 'fr', 'nl'] as const satisfies readonly Language[]) {
  test(`${language}: no control is cut off at 900, 1280 and 1440 px wide`, async ({ page }) => {
    console_ = await startConsole({ port: 5999 }, { preferences: { language } });
    await page.goto(console_.url);
    await expect(page.locator('html')).toHaveAttribute('lang', language);
    await expect(page.locator('section.pane.phone form.dial')).toBeVisible();
    const found: string[] = [];
    for (const size of WINDOW_SIZES) {
      await page.setViewportSize(size);
      for (const tab of await page.locator('section.contacts [role="tab"]').all()) {
        await tab.click();
        for (const c of await clippedControls(page)) found.push(`${size.width} px, ${(await tab.textContent())?.trim()} tab: ${c}`);
      }
      const number = await page.locator('#dial-number').boundingBox();
      if ((number?.width ?? 0) < 100) found.push(`${size.width} px: the number field is ${number?.width} px wide`);
    }
    expect([...new Set(found)]).toEqual([]);
  });
}
