// Sound and vibration cues. Each goes with a visible change and a spoken announcement
// (ui/announcer.js), never in their place: a person who cannot hear it misses nothing.

// Two long pulses where the phone can vibrate: felt by someone who does not hear the chime.
export function vibrate() {
  if (navigator.vibrate) navigator.vibrate([300, 150, 300]);
}

// A short two-tone chime made in the browser (no sound file to download).
export function chime() {
  const AudioContext = window.AudioContext || window.webkitAudioContext;
  if (!AudioContext) return;
  const context = new AudioContext();
  [660, 880].forEach((frequency, i) => {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.2, context.currentTime + i * 0.2);
    gain.gain.exponentialRampToValueAtTime(0.001, context.currentTime + i * 0.2 + 0.18);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(context.currentTime + i * 0.2);
    oscillator.stop(context.currentTime + i * 0.2 + 0.2);
  });
  window.setTimeout(() => context.close(), 1000);
}
