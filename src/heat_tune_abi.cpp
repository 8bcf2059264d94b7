// heat_tune_abi.cpp -- C ABI shims of the tuner and the wisdom file
// (heat_wisdom.hpp): hpcffi_tune, hpcffi_wisdom_load, hpcffi_wisdom_info,
// hpcffi_heat_choice.
#include <cstring>
#include <string>
#include <vector>

#include "heat_params.hpp"
#include "heat_wisdom.hpp"
#include "status.hpp"
#include "threads.hpp"

namespace {

using hpcffi::fail;

// Copies text with its NUL into a caller buffer of `size` bytes.
void copy_out(const std::string &text, char *buffer, size_t size, const char *what) {
    if (text.size() + 1 > size)
        fail(HPCFFI_ERR_BUFFER_TOO_SMALL, std::string(what) + " needs " + std::to_string(text.size() + 1) +
                                              " bytes, the buffer has " + std::to_string(size));
    std::memcpy(buffer, text.c_str(), text.size() + 1);
}

constexpr size_t min_path_buffer = 4096;

}  // namespace

extern "C" int hpcffi_tune(double budget_seconds, const int64_t *sizes, int64_t nsizes, const char *path, int verbose,
                           char *written, size_t size) {
    return hpcffi::guarded(__func__, [&] {
        if (!(budget_seconds >= 0.1 && budget_seconds <= 86400.0))
            fail(HPCFFI_ERR_INVALID_ARGUMENT, "budget_seconds must be in [0.1, 86400], got " +
                                                  std::to_string(budget_seconds));
        if (nsizes < 0 || nsizes > 64)
            fail(HPCFFI_ERR_INVALID_ARGUMENT, "nsizes must be in [0, 64], got " + std::to_string(nsizes));
        if (nsizes > 0) hpcffi::require_non_null(sizes, "sizes");
        if (written != nullptr && size < min_path_buffer)
            fail(HPCFFI_ERR_BUFFER_TOO_SMALL, "written needs a buffer of at least 4096 bytes, got " +
                                                  std::to_string(size));
        std::vector<int64_t> list;
        for (int64_t i = 0; i < nsizes; ++i) {
            if (sizes[i] < 16 || sizes[i] > 32768)
                fail(HPCFFI_ERR_INVALID_ARGUMENT, "tuning sizes must be in [16, 32768], got " +
                                                      std::to_string(sizes[i]));
            list.push_back(sizes[i]);
        }
        const int threads = hpcffi::kernel_threads();
        std::vector<hpcffi::heat::WisdomEntry> entries =
            hpcffi::heat::tune(budget_seconds, list, threads, verbose ? stderr : nullptr);
        const std::string target = hpcffi::heat::write_wisdom(path == nullptr ? "" : path,
                                                              hpcffi::heat::this_machine_key(
                                                                  hpcffi::default_kernel_threads()),
                                                              entries,
                                                              budget_seconds);
        hpcffi::heat::use_wisdom(target, std::move(entries));
        if (written != nullptr) copy_out(target, written, size, "written");
    });
}

extern "C" int hpcffi_wisdom_load(const char *path, int *accepted) {
    return hpcffi::guarded(__func__, [&] {
        hpcffi::require_non_null(accepted, "accepted");
        *accepted = hpcffi::heat::load_wisdom(path == nullptr ? "" : path) ? 1 : 0;
    });
}

extern "C" int hpcffi_wisdom_info(int *in_use, char *path, size_t path_size, char *note, size_t note_size) {
    return hpcffi::guarded(__func__, [&] {
        hpcffi::require_non_null(in_use, "in_use");
        hpcffi::require_non_null(path, "path");
        hpcffi::require_non_null(note, "note");
        const hpcffi::heat::WisdomStatus status = hpcffi::heat::wisdom_status();
        if (status.path.size() + 1 > path_size || status.note.size() + 1 > note_size)
            fail(HPCFFI_ERR_BUFFER_TOO_SMALL, "path needs " + std::to_string(status.path.size() + 1) +
                                                  " bytes and note " + std::to_string(status.note.size() + 1));
        *in_use = status.in_use ? 1 : 0;
        copy_out(status.path, path, path_size, "path");
        copy_out(status.note, note, note_size, "note");
    });
}

extern "C" int hpcffi_heat_choice(int64_t nx, int64_t ny, int64_t nsteps, const char **path, const char **isa,
                                  int *depth, int *strip_width, int *from_wisdom) {
    return hpcffi::guarded(__func__, [&] {
        hpcffi::require_non_null(path, "path");
        hpcffi::require_non_null(isa, "isa");
        hpcffi::require_non_null(depth, "depth");
        hpcffi::require_non_null(strip_width, "strip_width");
        hpcffi::require_non_null(from_wisdom, "from_wisdom");
        hpcffi::heat::check_shape(nx, ny);
        if (nsteps < 0) fail(HPCFFI_ERR_INVALID_ARGUMENT, "nsteps must be >= 0, got " + std::to_string(nsteps));
        const int threads = hpcffi::kernel_threads();
        const hpcffi::heat::Choice c = hpcffi::heat::choose(nx, ny, nsteps, threads);
        int d = 0, s = 0;
        if (c.path == hpcffi::heat::KernelPath::blocked) {
            const hpcffi::heat::Blocking b = hpcffi::heat::effective_blocking(nx, ny, threads, c.depth, c.strip);
            d = b.depth;
            s = b.strip;
        }
        *path = hpcffi::heat::path_name(c.path);
        *isa = c.kernels->name;
        *depth = d;
        *strip_width = s;
        *from_wisdom = c.from_wisdom ? 1 : 0;
    });
}
