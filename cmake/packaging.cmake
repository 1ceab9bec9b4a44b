# What an installed shoal carries beside the program and the library (the man pages, bash
# completion, the licence and changelog), and `make package`: CPack turns that install into
# shoal_<version>_amd64.deb. The version is project(VERSION)'s, as everywhere else.
install(FILES ${PROJECT_SOURCE_DIR}/docs/man/shoal.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${PROJECT_SOURCE_DIR}/docs/man/shoald.8 DESTINATION ${CMAKE_INSTALL_MANDIR}/man8)
install(FILES ${PROJECT_SOURCE_DIR}/tools/completion/shoal.bash
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions RENAME shoal)
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION ${CMAKE_INSTALL_DOCDIR} RENAME copyright)
install(FILES ${PROJECT_SOURCE_DIR}/CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME shoal)
set(CPACK_PACKAGE_VENDOR "the shoal developers")
set(CPACK_PACKAGE_CONTACT "the shoal developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)  # RelWithDebInfo builds carry ~20 MB of debug info
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # shoal_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion, curl, aria2, opentracker")  # shoal sim
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "shoal fetches content in hash-verified pieces from peers on the LAN through a
libtorrent swarm and falls back to the HTTP origin for what peers cannot supply.
This package has the shoal command, libshoal (a C++ port of the Windows BITS and
Delivery Optimization job API) and its headers, CMake and pkg-config files.")
# The library's shlibs file, so packages built against it depend on this version or newer.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS_POLICY ">=")
find_program(SHOAL_DPKG_SHLIBDEPS dpkg-shlibdeps)
if(SHOAL_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the binaries' own NEEDED entries
else()
  # Debian 12's names for what libshoal and shoal link (ldd build/tools/shoal).
  set(CPACK_DEBIAN_PACKAGE_DEPENDS
      "libc6 (>= 2.34), libgcc-s1, libstdc++6 (>= 12), libtorrent-rasterbar2.0, libcurl4, libsqlite3-0, libssl3, libsystemd0, libprometheus-cpp-core1.0, libavahi-client3, libavahi-common3")
endif()
# Cache nodes are found and announced through the machine's avahi-daemon (decision 0019).
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "avahi-daemon")
include(CPack)
