/**
 * The Luhn (mod 10) check over a string of ASCII digits. Hand-written rather than a package: it runs on
 * every card-shaped candidate of every span, on digits already extracted, and is eight lines.
 */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}
