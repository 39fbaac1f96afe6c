/**
 * Byzantine-robust aggregation: coordinate-wise median and trimmed mean, multi-Krum, and norm
 * bounding as a decorator. The rules that need every client at once read one module of each client
 * at a time.
 */
package io.fedlora.aggregation.robust;
