;; Int8 dot products for the in-memory vector scan (vectorKernel.ts), with
;; 128-bit SIMD: 16 int8 values a step, widened to int16 and multiplied into
;; int32 lanes (i32x4.dot_i16x8_s). The vectors lie in this module's memory,
;; one after the other, `dims` bytes each (a multiple of 16, zero-padded).
;; scripts/build-vector-kernel.mjs compiles it into vectorKernelBytes.ts.
(module
  (memory (export "memory") 1)
  ;; out[i] = query · vector i, for the `count` vectors starting at `vectors`.
  (func (export "dots")
    (param $query i32) (param $vectors i32) (param $count i32) (param $dims i32) (param $out i32)
    (local $end i32) (local $j i32) (local $q v128) (local $v v128) (local $sum v128)
    (local.set $end (i32.add (local.get $out) (i32.shl (local.get $count) (i32.const 2))))
    (block $done
      (loop $vector
        (br_if $done (i32.ge_u (local.get $out) (local.get $end)))
        (local.set $sum (v128.const i32x4 0 0 0 0))
        (local.set $j (i32.const 0))
        (loop $step
          (local.set $q (v128.load (i32.add (local.get $query) (local.get $j))))
          (local.set $v (v128.load (i32.add (local.get $vectors) (local.get $j))))
          (local.set $sum
            (i32x4.add (local.get $sum)
              (i32x4.add
                (i32x4.dot_i16x8_s (i16x8.extend_low_i8x16_s (local.get $q)) (i16x8.extend_low_i8x16_s (local.get $v)))
                (i32x4.dot_i16x8_s (i16x8.extend_high_i8x16_s (local.get $q)) (i16x8.extend_high_i8x16_s (local.get $v))))))
          (local.set $j (i32.add (local.get $j) (i32.const 16)))
          (br_if $step (i32.lt_u (local.get $j) (local.get $dims))))
        (i32.store (local.get $out)
          (i32.add
            (i32.add (i32x4.extract_lane 0 (local.get $sum)) (i32x4.extract_lane 1 (local.get $sum)))
            (i32.add (i32x4.extract_lane 2 (local.get $sum)) (i32x4.extract_lane 3 (local.get $sum)))))
        (local.set $vectors (i32.add (local.get $vectors) (local.get $dims)))
        (local.set $out (i32.add (local.get $out) (i32.const 4)))
        (br $vector)))))
