// Package benchdoc holds the living document that the load tool's preview
// scenarios send (halcytone bench) and the in-process benchmarks of the
// same path parse, so that figures from both measure the same text.
package benchdoc

// Markdown is about 5 KB of Markdown in four sections with dated items,
// list fields, flags, links and items long enough to need an X thread,
// like the documents a team keeps writing in. It differs from the
// built-in sample, so nothing of the sample's that a server may have
// cached applies to it.
const Markdown = `# Breathscape Team Notes

## [Breathscape] App updates

### 2026-12-02 — Breathscape 3.1: sessions that remember you
<!-- featured; published; channels: email,web,twitter,linkedin; priority: 2 -->
- **Date:** 2026-12-02
- **Content:** Breathscape 3.1 learns the sessions you come back to. After a week of use the
  home screen offers the two or three you reach for most, at the times you usually breathe,
  and moves everything else one tap further away.

  Sessions now pick up where you left them when a call interrupts you, and the pacer keeps
  its rhythm when the screen locks. The weekly view adds a gentle note when your resting
  rhythm settles lower than the week before, and says nothing at all when it does not.

  The update reaches iOS and Android over the coming days. Tell us how it feels at
  [breathscape.example/feedback](https://breathscape.example/feedback).

### 2026-11-26 — Family sharing
- **Content:** One subscription now covers up to five people in a household. Each person keeps
  their own history and reminders; nobody sees anyone else's sessions unless they choose to.

### November 19, 2026: Larger text and calmer colours
<!-- channels: email, web -->
Every screen now follows your phone's text size, up to the largest accessibility setting.
The evening theme lowers contrast after sunset so the app is easier on tired eyes.

## [Hardware] Devices and sensors

### 2026-11-28 — Pulse ships in January
<!-- type: announcement; featured; published -->
- **Title:** Breathscape Pulse ships in January
- **Content:** The first Pulse bands leave the factory in the second week of January. Everyone
  who pre-ordered will receive a tracking link by email as soon as their band is on its way.
- Pulse measures heart rate variability beat to beat and streams it over Bluetooth Low Energy.
- A full charge lasts about 40 hours; charging takes 90 minutes over USB-C.

### 2026-11-14 — Firmware 1.5 for the Breathscape Band
Firmware 1.5 reduces false breath detections during speech and extends battery life by about
ten percent. The band installs the update the next time it charges near your phone.

### 2026-11-03 — How we test sensor accuracy
<!-- type: blog; template: minimal -->
- **Content:** Every firmware build runs against a library of 300 recorded sessions with a
  reference chest strap, at rest, walking and during paced breathing. A build ships only when
  its beat-to-beat error stays under five milliseconds for 95 percent of beats in every group.
  We publish the numbers for each release on our research page, including the groups where
  the band still struggles, such as brisk walking on cold days.

## [Tips] Breathing tips and techniques

### 2026-11-30 — Three breaths before you open your inbox
<!-- type: blog; published; channels: email,web,linkedin -->
- **Date:** 2026-11-30
- **Content:** Before the first email of the day, take three slow breaths with a longer
  exhale: in for four counts, out for seven. It takes under a minute and gives you a moment
  to choose what deserves your attention first.

  If three breaths feel like too few, keep going until your shoulders drop. The point is not
  the count but the pause between waking up and reacting to everything at once.

### 2026-11-21 — Humming for a slower exhale
Humming on the out-breath lengthens it without effort and makes the rhythm easy to feel.
Try six rounds: breathe in through the nose for four counts, then hum gently for eight.

### 2026-11-09 — Breathing through a stitch
<!-- priority: 3 -->
- **Content:** A side stitch while running often eases when you exhale as the foot opposite
  the stitch lands. Slow down, breathe out fully on that step for a minute, and pick the pace
  back up once the cramp fades.

### 2026-10-31 — Breathing for a better night
- **Content:** Lying down, place one hand on your belly and breathe so that only that hand
  rises. Breathe in for four counts and out for six, ten times, then let the breath go back
  to its own pace. If your mind wanders, count the exhales from one to ten and start again.

## [Vision] Company vision

### 2026-11-25 — What we will not build
<!-- type: blog; template: minimal; published -->
We will not build streaks that punish a missed day, leaderboards that turn calm into a contest,
or notifications designed to pull you back when you did not ask for them.

We would rather you open Breathscape twice a week and leave it feeling better than open it
twenty times and feel worse. Every feature we ship has to pass that test first.

### 2026-11-12 — Research partnerships
<!-- channels: email,web -->
We are working with two university sleep labs on how evening breathing routines affect sleep
onset. Participants keep full control of their data and can withdraw at any time.

### 2026-10-29 — A year of listening
- **Content:** This year you sent us 12,400 messages. We read every one, and 38 of the changes
  in the app this year started as a sentence in one of them. Please keep writing.
`
