// Package quality holds the label-quality tests: the workflow cdflow synth
// writes for a scene, run on scenes of fixed seeds and scored against their
// truth (synth.Score), with bounds a little below the measured figures so a
// regression fails. It has no code of its own.
package quality
