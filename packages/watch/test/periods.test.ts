import { checkBudget, forecastSpend, MIN_FORECAST_ELAPSED, periodWindow } from '../src/periods.js';

describe('periodWindow', () => {
  it('is the UTC day, the ISO week (Monday first) and the calendar month', () => {
    const now = new Date('2026-12-03T18:00:00.000Z'); // a Thursday
    expect(periodWindow('day', now)).toMatchObject({ startDay: '2026-12-03', endDay: '2026-12-04', elapsed: 0.75 });
    const week = periodWindow('week', now);
    expect(week).toMatchObject({ startDay: '2026-11-30', endDay: '2026-12-07' });
    expect(week.elapsed).toBeCloseTo((3 * 24 + 18) / (7 * 24), 12);
    const month = periodWindow('month', now);
    expect(month).toMatchObject({ startDay: '2026-12-01', endDay: '2027-01-01' });
    expect(month.elapsed).toBeCloseTo((2 * 24 + 18) / (31 * 24), 12);
  });

  it('puts Sunday in the week that began the Monday before, and handles February', () => {
    expect(periodWindow('week', new Date('2026-12-06T23:59:59.000Z'))).toMatchObject({ startDay: '2026-11-30', endDay: '2026-12-07' });
    expect(periodWindow('week', new Date('2026-12-07T00:00:00.000Z'))).toMatchObject({ startDay: '2026-12-07', elapsed: 0 });
    expect(periodWindow('month', new Date('2028-02-29T12:00:00.000Z'))).toMatchObject({ startDay: '2028-02-01', endDay: '2028-03-01' });
  });
});

describe('checkBudget', () => {
  it('lists every threshold the spend reached', () => {
    expect(checkBudget(10, [0.5, 0.8, 1], 4.99, 0.5).crossed).toEqual([]);
    expect(checkBudget(10, [0.5, 0.8, 1], 5, 0.5).crossed).toEqual([0.5]);
    expect(checkBudget(10, [0.5, 0.8, 1], 12, 0.5).crossed).toEqual([0.5, 0.8, 1]);
  });

  it('forecasts at the rate so far, and only once enough of the period has passed', () => {
    // $3 after 20 % of the month: the month ends at $15, 150 % of $10.
    expect(checkBudget(10, [1], 3, 0.2)).toMatchObject({ forecastBreach: true, forecastUsd: 15 });
    expect(checkBudget(10, [1], 1, 0.2)).toMatchObject({ forecastBreach: false, forecastUsd: 5 });
    // Too early to extrapolate: no breach, the forecast is the spend itself.
    expect(checkBudget(10, [1], 3, MIN_FORECAST_ELAPSED / 2)).toMatchObject({ forecastBreach: false, forecastUsd: 3 });
    // Already over: the 100 % threshold says it, not the forecast.
    expect(checkBudget(10, [1], 11, 0.5).forecastBreach).toBe(false);
    expect(forecastSpend(2, 1)).toBe(2);
  });
});
