; Per-user registration of tel:, callto: and sip: so links in browsers and Outlook open the console and dial.
; electron-builder's `protocols` covers macOS (Info.plist); on Windows the handler also needs these keys.
!macro customInstall
  !macro RegisterScheme SCHEME DESC
    WriteRegStr HKCU "Software\Classes\${SCHEME}" "" "URL:${DESC}"
    WriteRegStr HKCU "Software\Classes\${SCHEME}" "URL Protocol" ""
    WriteRegStr HKCU "Software\Classes\${SCHEME}\DefaultIcon" "" "$INSTDIR\${APP_EXECUTABLE_FILENAME},0"
    WriteRegStr HKCU "Software\Classes\${SCHEME}\shell\open\command" "" '"$INSTDIR\${APP_EXECUTABLE_FILENAME}" "%1"'
  !macroend
  !insertmacro RegisterScheme "tel" "Telephone number"
  !insertmacro RegisterScheme "callto" "Call to"
  !insertmacro RegisterScheme "sip" "SIP address"
  ; Offer the console in Windows' "Default apps" for these schemes.
  WriteRegStr HKCU "Software\RegisteredApplications" "ReceptionistConsole" "Software\ReceptionistConsole\Capabilities"
  WriteRegStr HKCU "Software\ReceptionistConsole\Capabilities" "ApplicationName" "Receptionist Console"
  WriteRegStr HKCU "Software\ReceptionistConsole\Capabilities" "ApplicationDescription" "Attendant console for SIP PBXs"
  WriteRegStr HKCU "Software\ReceptionistConsole\Capabilities\URLAssociations" "tel" "tel"
  WriteRegStr HKCU "Software\ReceptionistConsole\Capabilities\URLAssociations" "callto" "callto"
  WriteRegStr HKCU "Software\ReceptionistConsole\Capabilities\URLAssociations" "sip" "sip"
!macroend

!macro customUnInstall
  DeleteRegKey HKCU "Software\ReceptionistConsole"
  DeleteRegValue HKCU "Software\RegisteredApplications" "ReceptionistConsole"
!macroend
