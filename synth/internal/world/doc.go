// Package world is synth v2's model of the ground truth: a Valladolid-like
// city (historic perimeter blocks, 20th-century slabs and towers, industrial
// sheds, houses, parks, the Pisuerga with its bridges, trees and parked
// vehicles) in two epochs, 2010 and 2017, with every change between them
// recorded as an object of a known Kind.
//
// New lays the whole scene out once from the seed (object lists only, no
// rasters); Paint rasterizes one epoch into a surface.Layers window. A
// cell's value depends only on its centre and the seed, never on the window,
// so sheets and strips painted separately fit together exactly.
package world
